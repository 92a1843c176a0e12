//! ociscope-testkit: what native tests need to start real servers on loopback: a free port
//! that nothing else takes meanwhile ([`free_port`]), CNCF distribution ([`Distribution`]) and
//! moto's S3 server ([`Moto`]), each a child process stopped by PID on drop.
//!
//! Design decisions:
//! - A port is picked **below the kernel's ephemeral range** (`ip_local_port_range`). A port
//!   from `bind(:0)` comes from that range, so once released it can become the local port of
//!   any outgoing connection (a parallel test's client) before the server binds it: CI saw
//!   distribution fail with "address already in use" exactly so. Outgoing connections never
//!   take a port below the range, and this process hands each port out once.
//! - A server that still loses its port to another process exits; it is started again on a
//!   new port (a few times), and it counts as ready only once *its own* PID has a listening
//!   socket on the port (read from `/proc`), never another process's.
//! - Standard library only, Linux only (the servers are Debian packages).

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Ports this process has handed out (never handed out twice).
static GIVEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// Lowest port [`free_port`] picks (above the well-known and common service ports).
const LOWEST: u16 = 10_000;

/// A TCP port free on 127.0.0.1 now, outside the ephemeral range, not handed out before by
/// this process.
pub fn free_port() -> u16 {
    let top = ephemeral_low().max(LOWEST + 1_000);
    let span = u64::from(top - LOWEST);
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
        ^ (u64::from(std::process::id()) << 20);
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    let given = given.get_or_insert_with(HashSet::new);
    for _ in 0..10_000 {
        // xorshift: enough spread for picking ports.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let port = LOWEST + (seed % span) as u16;
        if !given.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            given.insert(port);
            return port;
        }
    }
    panic!("no free port in {LOWEST}..{top} on 127.0.0.1");
}

/// The first port of the kernel's ephemeral range (32768 when it cannot be read).
fn ephemeral_low() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768)
}

/// Whether process `pid` has a socket listening on 127.0.0.1:`port` (from `/proc`).
pub fn listens(pid: u32, port: u16) -> bool {
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return false;
    };
    let local = format!("0100007F:{port:04X}");
    // Columns: sl local_address rem_address st ... inode (the tenth).
    let inodes: HashSet<String> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            (cols.len() > 9 && cols[1] == local && cols[3] == "0A").then(|| cols[9].to_string())
        })
        .collect();
    if inodes.is_empty() {
        return false;
    }
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path())
            .ok()
            .and_then(|target| {
                let t = target.to_string_lossy().into_owned();
                Some(inodes.contains(t.strip_prefix("socket:[")?.strip_suffix(']')?))
            })
            .unwrap_or(false)
    })
}

/// A fresh folder under the temp dir named after `label`, this process and the moment.
fn fresh_dir(label: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("ociscope-{label}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

/// Starts `command(port)` on fresh ports until its own process listens (at most 5 tries when
/// it exits, as when another process took the port first); `log` is read for the panic.
fn start_listening(
    who: &str,
    timeout: Duration,
    log: &dyn Fn() -> String,
    command: &dyn Fn(u16) -> Command,
) -> (Child, u16) {
    let mut exits = Vec::new();
    for _ in 0..5 {
        let port = free_port();
        let mut child = command(port)
            .spawn()
            .unwrap_or_else(|e| panic!("start {who}: {e}"));
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                exits.push(format!("port {port}: exited ({status}): {}", log()));
                break;
            }
            if listens(child.id(), port) {
                return (child, port);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{who} did not listen on 127.0.0.1:{port} in {timeout:?}: {}",
                    log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("{who} did not start:\n{}", exits.join("\n"));
}

/// Password of the `suite` user of [`Distribution::with_htpasswd`].
pub const PASSWORD: &str = "suite-secret";
/// bcrypt of [`PASSWORD`] (cost 5), computed once with libxcrypt; `tests/harness` has the same.
const BCRYPT: &str = "$2b$05$abcdefghijklmnopqrstuuvb7CvDodzi00/xYq.1DxPuxWAoDFoFm";

/// CNCF distribution (Debian's `/usr/bin/docker-registry`) with its own config, data folder
/// and log, deletes enabled; killed and its folder removed on drop.
pub struct Distribution {
    child: Child,
    dir: PathBuf,
    /// `http://127.0.0.1:<port>` (`https://` with TLS).
    pub url: String,
}

impl Distribution {
    /// An anonymous registry.
    pub fn start() -> Distribution {
        Distribution::launch(false, None)
    }

    /// A registry requiring Basic auth as `suite` / [`PASSWORD`] (it answers preflights 401,
    /// as browsers meet it).
    pub fn with_htpasswd() -> Distribution {
        Distribution::launch(true, None)
    }

    /// A registry serving TLS with this certificate and key (PEM files), at `https://`.
    pub fn with_tls(cert: &Path, key: &Path) -> Distribution {
        Distribution::launch(false, Some((cert, key)))
    }

    fn launch(htpasswd: bool, tls: Option<(&Path, &Path)>) -> Distribution {
        let dir = fresh_dir("distribution");
        let data = dir.join("data");
        std::fs::create_dir_all(&data).expect("create the registry's data folder");
        let mut auth = String::new();
        if htpasswd {
            let file = dir.join("htpasswd");
            std::fs::write(&file, format!("suite:{BCRYPT}\n")).expect("write htpasswd");
            auth = format!(
                "auth:\n  htpasswd: {{realm: ociscope-test, path: {}}}\n",
                file.display()
            );
        }
        let tls_config = tls
            .map(|(cert, key)| {
                format!(
                    "  tls:\n    certificate: {}\n    key: {}\n",
                    cert.display(),
                    key.display()
                )
            })
            .unwrap_or_default();
        let log_path = dir.join("registry.log");
        let read_log = || std::fs::read_to_string(&log_path).unwrap_or_default();
        let (child, port) = start_listening(
            "docker-registry",
            Duration::from_secs(20),
            &read_log,
            &|port| {
                let config = format!(
                    "version: 0.1\n\
                     log: {{level: warn, accesslog: {{disabled: true}}}}\n\
                     storage:\n  filesystem: {{rootdirectory: {}}}\n  delete: {{enabled: true}}\n  \
                     maintenance: {{uploadpurging: {{enabled: false}}}}\n\
                     {auth}\
                     http:\n  addr: 127.0.0.1:{port}\n  secret: ociscope-test-secret\n{tls_config}",
                    data.display()
                );
                let config_path = dir.join("config.yml");
                std::fs::write(&config_path, config).expect("write the registry's config");
                let log = std::fs::File::create(&log_path).expect("create the registry's log");
                let mut command = Command::new("/usr/bin/docker-registry");
                command
                    .arg("serve")
                    .arg(&config_path)
                    .stdin(Stdio::null())
                    .stdout(log.try_clone().expect("log handle"))
                    .stderr(log);
                command
            },
        );
        let scheme = if tls.is_some() { "https" } else { "http" };
        Distribution {
            child,
            dir,
            url: format!("{scheme}://127.0.0.1:{port}"),
        }
    }

    /// The registry's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("registry.log")).unwrap_or_default()
    }
}

impl Drop for Distribution {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The moto_server executable: `$OCISCOPE_MOTO_SERVER`, else where `scripts/setup` puts it.
pub fn moto_server() -> PathBuf {
    if let Some(p) = std::env::var_os("OCISCOPE_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .expect("HOME or XDG_CACHE_HOME");
    cache.join("ociscope/moto-5.2.5/bin/moto_server")
}

/// moto's S3 server (a mock of AWS behind a real HTTP server) with one bucket; killed on drop.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl Moto {
    /// moto on a free port with `bucket` created.
    pub fn start(bucket: &str) -> Moto {
        let (child, port) = start_listening(
            "moto_server",
            Duration::from_secs(30),
            &String::new,
            &|port| {
                let mut command = Command::new(moto_server());
                command
                    .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                command
            },
        );
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        // moto takes the unsigned request.
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to moto");
        let request = format!(
            "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\
             Connection: close\r\n\r\n"
        );
        let mut answer = String::new();
        s.write_all(request.as_bytes())
            .and_then(|_| s.read_to_string(&mut answer))
            .expect("create the bucket");
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "create bucket: {answer}"
        );
        moto
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};

    /// A command that listens on `port` of 127.0.0.1 for 30 s (python3 is on every machine).
    fn python_listener(port: u16) -> Command {
        let mut c = Command::new("python3");
        c.args([
            "-c",
            "import socket,sys,time\ns=socket.socket()\ns.bind(('127.0.0.1',int(sys.argv[1])))\ns.listen()\ntime.sleep(30)",
            &port.to_string(),
        ]);
        c
    }

    #[test]
    fn ports_are_below_the_ephemeral_range_distinct_and_free() {
        let low = ephemeral_low();
        let ports: Vec<u16> = (0..300).map(|_| free_port()).collect();
        let distinct: HashSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), ports.len(), "a port was handed out twice");
        for port in ports {
            assert!(
                (LOWEST..low).contains(&port),
                "{port} not in {LOWEST}..{low}"
            );
            TcpListener::bind(("127.0.0.1", port)).expect("the port is free");
        }
    }

    #[test]
    fn listens_sees_only_the_process_that_owns_the_socket() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(listens(std::process::id(), port));
        let mut other = Command::new("sleep").arg("5").spawn().unwrap();
        assert!(!listens(other.id(), port), "a child owns no socket");
        other.kill().unwrap();
        other.wait().unwrap();
        drop(listener);
        assert!(!listens(std::process::id(), port), "closed");
    }

    #[test]
    fn a_server_that_exits_is_started_again_on_a_new_port() {
        let calls = Cell::new(0);
        let ports = RefCell::new(Vec::new());
        let (mut child, port) =
            start_listening("test", Duration::from_secs(20), &String::new, &|port| {
                calls.set(calls.get() + 1);
                ports.borrow_mut().push(port);
                if calls.get() < 3 {
                    Command::new("false")
                } else {
                    python_listener(port)
                }
            });
        assert_eq!(calls.get(), 3);
        assert_eq!(ports.borrow().last(), Some(&port));
        assert_eq!(ports.borrow().iter().collect::<HashSet<_>>().len(), 3);
        assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn five_exits_give_up_with_each_reason() {
        let outcome = std::panic::catch_unwind(|| {
            start_listening(
                "never",
                Duration::from_secs(5),
                &|| "its log".into(),
                &|_| Command::new("false"),
            )
        });
        let message = *outcome.err().unwrap().downcast::<String>().unwrap();
        assert!(message.starts_with("never did not start"), "{message}");
        assert_eq!(message.matches("its log").count(), 5, "{message}");
    }

    #[test]
    fn another_process_on_the_port_is_not_taken_for_the_server() {
        // The port answers connections (this process listens), but the child never does.
        let held = RefCell::new(None);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            start_listening("sleeper", Duration::from_secs(1), &String::new, &|port| {
                *held.borrow_mut() = Some(TcpListener::bind(("127.0.0.1", port)).unwrap());
                let mut c = Command::new("sleep");
                c.arg("10");
                c
            })
        }));
        let message = *outcome.err().unwrap().downcast::<String>().unwrap();
        assert!(message.starts_with("sleeper did not listen"), "{message}");
        let port = held.borrow().as_ref().unwrap().local_addr().unwrap().port();
        assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());
    }
}
