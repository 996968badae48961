"""Gatehouse's benchmark harness (standard library only); `bench/run.sh` is the entry point."""
