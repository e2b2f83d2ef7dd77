//! A minimal Lambda Runtime API on loopback: hands a function process one
//! event at a time and records when it asked for work and what it answered,
//! so the benchmark sees the function the way Lambda's own runtime does.
//!
//! It speaks HTTP/1.1 with keep-alive, request bodies by `Content-Length`
//! or chunked transfer, and the paths of the Runtime API
//! (`/2018-06-01/runtime/...`).

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

/// What the function answered to one event.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The body it posted.
    pub body: Vec<u8>,
    /// Whether it posted to the error path instead of the response path.
    pub error: bool,
}

#[derive(Default)]
struct State {
    waiting: VecDeque<(String, Vec<u8>)>,
    first_request_for_work: Option<Instant>,
    answers: HashMap<String, (Answer, Instant)>,
    init_error: Option<Vec<u8>>,
    next_id: u64,
}

/// A Runtime API serving one function process.
pub struct RuntimeApi {
    /// Where the process is told to find it (`AWS_LAMBDA_RUNTIME_API`).
    pub address: SocketAddr,
    shared: Arc<(Mutex<State>, Condvar)>,
}

impl RuntimeApi {
    /// Listens on a free loopback port.
    pub fn start() -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let shared = Arc::new((Mutex::new(State::default()), Condvar::new()));
        let accept_shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = Arc::clone(&accept_shared);
                std::thread::spawn(move || {
                    let _ = serve_connection(stream, &shared);
                });
            }
        });
        Ok(Self { address, shared })
    }

    /// Waits for the process's first request for work and returns when it
    /// came; fails if the process reports an init error first.
    pub fn first_request_for_work(&self, timeout: Duration) -> Result<Instant> {
        let (lock, ready) = &*self.shared;
        let state = lock.lock().expect("runtime API state is never poisoned");
        let (state, _) = ready
            .wait_timeout_while(state, timeout, |s| {
                s.first_request_for_work.is_none() && s.init_error.is_none()
            })
            .expect("runtime API state is never poisoned");
        if let Some(error) = &state.init_error {
            bail!("init failed: {}", String::from_utf8_lossy(error));
        }
        state
            .first_request_for_work
            .context("the function did not ask for work in time")
    }

    /// Hands `event` to the process and waits for its answer; returns the
    /// answer and the time from handing over to receiving it.
    pub fn invoke(&self, event: &[u8], timeout: Duration) -> Result<(Answer, Duration)> {
        let (lock, ready) = &*self.shared;
        let mut state = lock.lock().expect("runtime API state is never poisoned");
        state.next_id += 1;
        let id = format!("bench-{:08}", state.next_id);
        let handed = Instant::now();
        state.waiting.push_back((id.clone(), event.to_vec()));
        ready.notify_all();
        let (mut state, _) = ready
            .wait_timeout_while(state, timeout, |s| !s.answers.contains_key(&id))
            .expect("runtime API state is never poisoned");
        let (answer, at) = state
            .answers
            .remove(&id)
            .with_context(|| format!("no answer to invocation {id} within {timeout:?}"))?;
        Ok((answer, at.duration_since(handed)))
    }
}

fn serve_connection(stream: TcpStream, shared: &(Mutex<State>, Condvar)) -> Result<()> {
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let Some((method, path, body)) = read_request(&mut reader)? else {
            return Ok(());
        };
        let received = Instant::now();
        let (lock, ready) = shared;
        match (method.as_str(), path.as_str()) {
            ("GET", "/2018-06-01/runtime/invocation/next") => {
                let mut state = lock.lock().expect("runtime API state is never poisoned");
                state.first_request_for_work.get_or_insert(received);
                ready.notify_all();
                let mut state = ready
                    .wait_while(state, |s| s.waiting.is_empty())
                    .expect("runtime API state is never poisoned");
                let (id, event) = state
                    .waiting
                    .pop_front()
                    .expect("woken only with an event waiting");
                drop(state);
                let deadline = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .expect("the clock is after 1970")
                    .as_millis()
                    + 10_000;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                     lambda-runtime-aws-request-id: {id}\r\n\
                     lambda-runtime-deadline-ms: {deadline}\r\n\
                     lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:000000000000:function:bench\r\n\
                     lambda-runtime-trace-id: Root=1-00000000-000000000000000000000000;Sampled=0\r\n\
                     content-length: {}\r\n\r\n",
                    event.len()
                );
                writer.write_all(head.as_bytes())?;
                writer.write_all(&event)?;
            }
            ("POST", "/2018-06-01/runtime/init/error") => {
                let mut state = lock.lock().expect("runtime API state is never poisoned");
                state.init_error = Some(body);
                ready.notify_all();
                drop(state);
                accepted(&mut writer)?;
            }
            ("POST", path) => {
                let rest = path
                    .strip_prefix("/2018-06-01/runtime/invocation/")
                    .with_context(|| format!("unknown path {path}"))?;
                let (id, kind) = rest.split_once('/').context("no id in the path")?;
                let answer = Answer {
                    body,
                    error: kind == "error",
                };
                let mut state = lock.lock().expect("runtime API state is never poisoned");
                state.answers.insert(id.to_string(), (answer, received));
                ready.notify_all();
                drop(state);
                accepted(&mut writer)?;
            }
            _ => bail!("unexpected {method} {path}"),
        }
        writer.flush()?;
    }
}

fn accepted(writer: &mut TcpStream) -> Result<()> {
    writer.write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n{}")?;
    Ok(())
}

/// Reads one request; `None` when the peer closed the connection.
fn read_request(reader: &mut impl BufRead) -> Result<Option<(String, String, Vec<u8>)>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().context("empty request line")?.to_string();
    let path = parts.next().context("no path")?.to_string();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().context("bad content-length")?;
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            }
        }
    }
    let body = if chunked {
        read_chunked(reader)?
    } else {
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    };
    Ok(Some((method, path, body)))
}

fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size = size.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size, 16).context("bad chunk size")?;
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk)?;
        chunk.truncate(size);
        body.extend_from_slice(&chunk);
        if size == 0 {
            // Trailers, if any, end with an empty line (already read above
            // for the common case of none).
            return Ok(body);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_request_with_a_length_and_one_in_chunks() {
        let mut input: &[u8] =
            b"POST /a HTTP/1.1\r\ncontent-length: 3\r\n\r\nabcPOST /b HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n2\r\nxy\r\n1\r\nz\r\n0\r\n\r\n";
        let (method, path, body) = read_request(&mut input).unwrap().unwrap();
        assert_eq!(
            (method.as_str(), path.as_str(), body.as_slice()),
            ("POST", "/a", &b"abc"[..])
        );
        let (_, path, body) = read_request(&mut input).unwrap().unwrap();
        assert_eq!((path.as_str(), body.as_slice()), ("/b", &b"xyz"[..]));
        assert!(read_request(&mut input).unwrap().is_none());
    }
}
