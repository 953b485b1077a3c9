//! swtpm(8) `--seccomp action=kill|log|none`: a seccomp-BPF deny-list with the system calls
//! of swtpm's `seccomp_profile.c` (non-CUSE variant), assembled by hand and installed with
//! prctl(2) after `PR_SET_NO_NEW_PRIVS` (libseccomp's default, which swtpm uses).
//!
//! The filter: a foreign architecture, or an x32 system call number, kills the process
//! (libseccomp's default for a foreign architecture); a listed system call gets the chosen
//! action; everything else is allowed.
//!
//! Differences from swtpm, on purpose: `kill` is `SECCOMP_RET_KILL_PROCESS` (libseccomp's
//! `SCMP_ACT_KILL` kills the thread; this daemon has one thread, so the effect is the same);
//! `sigaltstack` is not listed because the Rust runtime removes its main-thread alternate
//! signal stack on exit, which would turn every clean exit into a kill.
//!
//! What it is not: an allow-list, and only x86-64 is assembled (elsewhere `--seccomp` other
//! than `action=none` is refused with a message).

use crate::Error;

/// `--seccomp action=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeccompAction {
    /// No filter.
    None,
    /// Kill the process on a listed system call (swtpm's default).
    Kill,
    /// Log a listed system call and let it run.
    Log,
}

#[cfg(target_arch = "x86_64")]
mod arch {
    /// AUDIT_ARCH_X86_64 (EM_X86_64 | 64-bit | little-endian), linux/audit.h.
    pub const AUDIT_ARCH: u32 = 0xC000_003E;
    /// __X32_SYSCALL_BIT, asm/unistd.h.
    pub const X32_BIT: u32 = 0x4000_0000;

    /// swtpm `create_seccomp_profile` (blacklist + blacklist_noncuse), minus sigaltstack.
    pub const DENY: &[libc::c_long] = &[
        // high concern
        libc::SYS_capset,
        libc::SYS_pivot_root,
        libc::SYS_chroot,
        libc::SYS_settimeofday,
        libc::SYS_clock_adjtime,
        libc::SYS_clock_settime,
        libc::SYS_adjtimex,
        libc::SYS_fsopen,
        libc::SYS_fsconfig,
        libc::SYS_fsmount,
        libc::SYS_fspick,
        libc::SYS_mount,
        libc::SYS_move_mount,
        libc::SYS_mount_setattr,
        libc::SYS_umount2,
        libc::SYS_open_tree,
        libc::SYS_swapon,
        libc::SYS_swapoff,
        libc::SYS_reboot,
        libc::SYS_tgkill,
        libc::SYS_kexec_load,
        libc::SYS_unshare,
        libc::SYS_setns,
        libc::SYS_kcmp,
        libc::SYS_init_module,
        libc::SYS_finit_module,
        libc::SYS_delete_module,
        libc::SYS_seccomp,
        libc::SYS_kexec_file_load,
        libc::SYS__sysctl,
        // semaphores and message queues
        libc::SYS_semget,
        libc::SYS_semop,
        libc::SYS_shmget,
        libc::SYS_shmat,
        libc::SYS_shmctl,
        libc::SYS_shmdt,
        libc::SYS_msgget,
        libc::SYS_msgsnd,
        libc::SYS_msgrcv,
        libc::SYS_msgctl,
        libc::SYS_mq_open,
        libc::SYS_mq_unlink,
        libc::SYS_mq_timedsend,
        libc::SYS_mq_timedreceive,
        libc::SYS_mq_notify,
        libc::SYS_mq_getsetattr,
        // misc
        libc::SYS_ptrace,
        libc::SYS_syslog,
        libc::SYS_capget,
        libc::SYS_personality,
        libc::SYS_sysfs,
        libc::SYS_getpriority,
        libc::SYS_setpriority,
        libc::SYS_sched_setparam,
        libc::SYS_sched_setscheduler,
        libc::SYS_sched_setaffinity,
        libc::SYS_vhangup,
        libc::SYS_sethostname,
        libc::SYS_setdomainname,
        libc::SYS_quotactl,
        libc::SYS_quotactl_fd,
        libc::SYS_readahead,
        libc::SYS_lookup_dcookie,
        libc::SYS_add_key,
        libc::SYS_request_key,
        libc::SYS_keyctl,
        libc::SYS_inotify_init,
        libc::SYS_inotify_init1,
        libc::SYS_inotify_add_watch,
        libc::SYS_inotify_rm_watch,
        libc::SYS_splice,
        libc::SYS_tee,
        libc::SYS_vmsplice,
        libc::SYS_signalfd,
        libc::SYS_eventfd,
        libc::SYS_timerfd_settime,
        libc::SYS_timerfd_gettime,
        libc::SYS_signalfd4,
        libc::SYS_eventfd2,
        libc::SYS_fanotify_init,
        libc::SYS_fanotify_mark,
        libc::SYS_mknod,
        libc::SYS_mknodat,
        libc::SYS_acct,
        libc::SYS_prlimit64,
        libc::SYS_setrlimit,
        libc::SYS_bpf,
        // xattrs
        libc::SYS_setxattr,
        libc::SYS_lsetxattr,
        libc::SYS_fsetxattr,
        libc::SYS_getxattr,
        libc::SYS_lgetxattr,
        libc::SYS_fgetxattr,
        libc::SYS_listxattr,
        libc::SYS_llistxattr,
        libc::SYS_flistxattr,
        libc::SYS_removexattr,
        libc::SYS_lremovexattr,
        libc::SYS_fremovexattr,
        // process forking
        libc::SYS_execve,
        // io
        libc::SYS_iopl,
        libc::SYS_ioperm,
        libc::SYS_io_setup,
        libc::SYS_io_destroy,
        libc::SYS_io_getevents,
        libc::SYS_io_submit,
        libc::SYS_io_cancel,
        libc::SYS_ioprio_set,
        libc::SYS_ioprio_get,
        // not implemented, removed
        // create_module, get_kernel_syms, query_module (asm/unistd_64.h; not in libc)
        174,
        177,
        178,
        libc::SYS_uselib,
        libc::SYS_nfsservctl,
        libc::SYS_getpmsg,
        libc::SYS_putpmsg,
        libc::SYS_afs_syscall,
        libc::SYS_tuxcall,
        libc::SYS_security,
        libc::SYS_set_thread_area,
        libc::SYS_get_thread_area,
        libc::SYS_epoll_ctl_old,
        libc::SYS_epoll_wait_old,
        libc::SYS_vserver,
        // privileged
        libc::SYS_setuid,
        libc::SYS_setgid,
        libc::SYS_setpgid,
        libc::SYS_setsid,
        libc::SYS_setreuid,
        libc::SYS_setregid,
        libc::SYS_setgroups,
        libc::SYS_setresuid,
        libc::SYS_setresgid,
        libc::SYS_setfsuid,
        libc::SYS_setfsgid,
        // non-CUSE: no new processes or threads, no prctl
        libc::SYS_clone,
        libc::SYS_fork,
        libc::SYS_vfork,
        libc::SYS_prctl,
        libc::SYS_clone3,
        libc::SYS_sched_setattr,
    ];
}

fn stmt(code: u32, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u32, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    }
}

/// The BPF program for `action` (not `None`).
#[cfg(target_arch = "x86_64")]
fn program(action: SeccompAction) -> Vec<libc::sock_filter> {
    use libc::{BPF_ABS, BPF_JEQ, BPF_JGE, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W};
    let ret_action = match action {
        SeccompAction::Log => libc::SECCOMP_RET_LOG,
        SeccompAction::Kill | SeccompAction::None => libc::SECCOMP_RET_KILL_PROCESS,
    };
    // struct seccomp_data: nr at offset 0, arch at offset 4.
    let mut p = vec![
        stmt(BPF_LD | BPF_W | BPF_ABS, 4),
        jump(BPF_JMP | BPF_JEQ | BPF_K, arch::AUDIT_ARCH, 1, 0),
        stmt(BPF_RET | BPF_K, libc::SECCOMP_RET_KILL_PROCESS),
        stmt(BPF_LD | BPF_W | BPF_ABS, 0),
        jump(BPF_JMP | BPF_JGE | BPF_K, arch::X32_BIT, 0, 1),
        stmt(BPF_RET | BPF_K, libc::SECCOMP_RET_KILL_PROCESS),
    ];
    for nr in arch::DENY {
        let nr = u32::try_from(*nr).unwrap_or(u32::MAX);
        p.push(jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1));
        p.push(stmt(BPF_RET | BPF_K, ret_action));
    }
    p.push(stmt(BPF_RET | BPF_K, libc::SECCOMP_RET_ALLOW));
    p
}

/// Install the filter for `action` (nothing for `None`). Called once, last thing before the
/// main loop, as swtpm calls `create_seccomp_profile`.
///
/// # Errors
/// prctl refused the filter, or the architecture has no filter here.
pub fn install(action: SeccompAction) -> Result<(), Error> {
    if action == SeccompAction::None {
        return Ok(());
    }
    #[cfg(target_arch = "x86_64")]
    {
        let prog = program(action);
        let fprog = libc::sock_fprog {
            len: u16::try_from(prog.len()).unwrap_or(u16::MAX),
            filter: prog.as_ptr().cast_mut(),
        };
        // SAFETY: PR_SET_NO_NEW_PRIVS takes plain integer arguments.
        if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } < 0 {
            return Err(Error::Config(format!(
                "seccomp: PR_SET_NO_NEW_PRIVS failed: {}",
                std::io::Error::last_os_error()
            )));
        }
        // SAFETY: `fprog` points to `prog`, a valid array of `len` BPF instructions that
        // outlives the call (the kernel copies the program).
        let r = unsafe {
            libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER as libc::c_ulong,
                &raw const fprog,
                0,
                0,
            )
        };
        if r < 0 {
            return Err(Error::Config(format!(
                "seccomp_load failed: {}",
                std::io::Error::last_os_error()
            )));
        }
        Ok(())
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Err(Error::Config(
            "--seccomp: no filter for this architecture in this build; use action=none".into(),
        ))
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    #[test]
    fn program_shape() {
        let p = program(SeccompAction::Kill);
        assert_eq!(p.len(), 6 + 2 * arch::DENY.len() + 1);
        assert!(p.len() < 4096);
        assert_eq!(p.last().map(|i| i.k), Some(libc::SECCOMP_RET_ALLOW));
        let log = program(SeccompAction::Log);
        assert_eq!(log.get(7).map(|i| i.k), Some(libc::SECCOMP_RET_LOG));
        assert!(!arch::DENY.contains(&libc::SYS_sigaltstack));
        assert!(arch::DENY.contains(&libc::SYS_execve));
    }
}
