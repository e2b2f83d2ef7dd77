//! The moto server: the local AWS emulator, on loopback.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::tools::venv_bin;

/// A moto server this process started; stopped when dropped, and by the
/// kernel if the thread that started it dies first.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
}

impl Moto {
    /// Starts moto on `127.0.0.1:port` (0 picks a free port), writing its log
    /// to `log`, and waits until it accepts connections.
    pub fn start(root: &Path, port: u16, log: &Path) -> Result<Self> {
        Self::start_traced(root, port, log, None)
    }

    /// Like [`Moto::start`], and when `trace` is given the server appends
    /// one line per request it serves to that file (method, path,
    /// `X-Amz-Target`, and `copy` for an S3 copy), before it answers.
    pub fn start_traced(root: &Path, port: u16, log: &Path, trace: Option<&Path>) -> Result<Self> {
        if !venv_bin(root, "moto_server").exists() {
            bail!(
                "{} is missing: run `cargo xtask test` or `cargo xtask dev`, which install it",
                venv_bin(root, "moto_server").display()
            );
        }
        let port = if port == 0 { free_port()? } else { port };
        let log_file =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        // moto's server, wrapped so that it answers one request at a time
        // (see moto_server.py for why).
        let mut command = Command::new(venv_bin(root, "python"));
        command
            .arg(root.join("xtask/src/moto_server.py"))
            .args(["127.0.0.1", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        if let Some(trace) = trace {
            command.env("CABINET_MOTO_TRACE", trace);
        }
        // SAFETY: prctl is async-signal-safe and touches only the child.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let child = command.spawn().context("starting moto_server")?;
        let mut moto = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        moto.wait_ready(port)?;
        Ok(moto)
    }

    fn wait_ready(&mut self, port: u16) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!("moto_server exited with {status} before it was ready");
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("moto_server did not listen on port {port} within 60 s")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether something already listens on `127.0.0.1:port`.
pub fn listening(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(300),
    )
    .is_ok()
}

/// A port on loopback that nothing listens on now.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}
