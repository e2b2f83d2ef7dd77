//! Exclusive locks on files of the checkout (`flock`), so that two
//! commands of one checkout do not write the same files at once.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The lock of the one local stack a checkout runs (`.local/dev.lock`):
/// the stacks of one checkout share `.local/functions.env`, which
/// `cargo lambda watch` reads whenever it starts a function, and the
/// virtualenv. Held until dropped or until the process ends, however it
/// ends; the file names the API port of the stack that holds it.
#[derive(Debug)]
pub struct DevLock {
    _file: File,
}

impl DevLock {
    /// Takes the lock at `path` for a stack serving the API on `api_port`,
    /// or fails naming the port of the stack that holds it.
    pub fn acquire(path: &Path, api_port: u16) -> Result<Self> {
        let mut file = open(path)?;
        if !try_lock(&file)? {
            let mut holder = String::new();
            // The holder may not have written its port yet.
            let _ = file.read_to_string(&mut holder);
            let port = holder.trim();
            let port = if port.is_empty() { "unknown" } else { port };
            bail!(
                "another `cargo xtask dev` of this checkout is running (API port {port}); \
                 one local stack per checkout: stop it first (Ctrl-C), or run the second \
                 one from another checkout"
            );
        }
        file.set_len(0)?;
        file.rewind()?;
        writeln!(file, "{api_port}")?;
        Ok(Self { _file: file })
    }
}

/// Waits for the exclusive lock at `path` and answers it; it is released
/// when the file is dropped.
pub fn wait_for(path: &Path) -> Result<File> {
    let file = open(path)?;
    // SAFETY: flock on a descriptor this function owns.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("locking {}", path.display()));
    }
    Ok(file)
}

fn open(path: &Path) -> Result<File> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))
}

/// Takes the exclusive lock of `file` without waiting: false when another
/// open file holds it.
fn try_lock(file: &File) -> Result<bool> {
    // SAFETY: flock on a descriptor the caller owns.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let error = std::io::Error::last_os_error();
    if error.raw_os_error() == Some(libc::EWOULDBLOCK) {
        return Ok(false);
    }
    Err(error).context("locking the local stack")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_stack_of_the_checkout_is_refused_naming_the_first_ones_port() {
        let dir = std::env::temp_dir().join(format!("xtask-lock-{}", std::process::id()));
        let path = dir.join("dev.lock");
        let first = DevLock::acquire(&path, 9500).expect("the first stack takes the lock");

        let refused = DevLock::acquire(&path, 9600).expect_err("the second stack is refused");
        let message = refused.to_string();
        assert!(message.contains("API port 9500"), "{message}");
        assert!(
            message.contains("one local stack per checkout"),
            "{message}"
        );

        drop(first);
        let second = DevLock::acquire(&path, 9600).expect("the lock is free once the first ends");
        assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), "9600");
        drop(second);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
