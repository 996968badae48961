"""Slow clients: connections that send the first line of a request head and then nothing, as a
slowloris attack does; the server must serve everyone else meanwhile and close them when its
header timeout passes."""

import select
import socket
import time
import urllib.parse


class SlowClients:
    """`count` connections to the URL's host, each holding half a request head."""

    def __init__(self, url, count):
        parts = urllib.parse.urlsplit(url)
        self.address = (parts.hostname, parts.port)
        self.line = f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.hostname}\r\n".encode()
        self.count = count
        self.sockets = []
        self.refused = 0

    def open(self):
        for _ in range(self.count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.connect(self.address)
                s.sendall(self.line)
            except OSError:
                self.refused += 1
                s.close()
                continue
            s.setblocking(False)
            self.sockets.append(s)
        return len(self.sockets)

    def wait_closed(self, timeout):
        """Seconds until the server has closed every held connection (an answer such as 408
        followed by the close, or the close alone), or None after `timeout`."""
        started = time.monotonic()
        poller = select.poll()  # select.select cannot watch descriptors past 1024
        pending = {s.fileno(): s for s in self.sockets}
        for fd in pending:
            poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
        while pending and time.monotonic() - started < timeout:
            for fd, _ in poller.poll(200):
                try:
                    data = pending[fd].recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data or data.startswith(b"HTTP/1.1 "):
                    poller.unregister(fd)
                    del pending[fd]
        return None if pending else time.monotonic() - started

    def close(self):
        for s in self.sockets:
            s.close()
        self.sockets = []
