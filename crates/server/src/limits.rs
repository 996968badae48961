//! Process limits raised, and scheduling asked for, at start.

/// Raises the soft limit on open files to the hard limit, so that the connection caps, not
/// the default 1,024 descriptors, decide how many clients are served. Returns the new limit.
pub fn raise_file_limit() -> std::io::Result<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        limit = raised;
    }
    Ok(limit.rlim_cur)
}

/// Asks the scheduler for short turns for the calling thread (Linux 6.12+, EEVDF's custom
/// slice): a request thread that wakes while a longer-sliced thread runs (a database backend,
/// a load generator, a client on the same host) gets the core at once instead of at the end
/// of that thread's turn, so requests wait less behind other work. Its share of the CPU is
/// unchanged. Ignored where the kernel has no custom slices.
pub fn ask_for_short_turns() {
    #[cfg(target_os = "linux")]
    {
        const SLICE_NS: u64 = 100_000;
        // SAFETY: getpriority reads the calling thread's nice value; sched_setattr on the
        // calling thread (pid 0) reads the struct passed to it.
        unsafe {
            let attr = libc::sched_attr {
                size: size_of::<libc::sched_attr>() as u32,
                sched_policy: libc::SCHED_OTHER as u32,
                sched_flags: 0,
                // Kept as it is (a `nice` the operator started the server with).
                sched_nice: libc::getpriority(libc::PRIO_PROCESS, 0),
                sched_priority: 0,
                sched_runtime: SLICE_NS,
                sched_deadline: 0,
                sched_period: 0,
            };
            libc::syscall(libc::SYS_sched_setattr, 0, &attr as *const libc::sched_attr, 0);
        }
    }
}
