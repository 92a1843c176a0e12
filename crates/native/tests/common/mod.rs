//! A real CNCF distribution (`/usr/bin/docker-registry`) on a free loopback port, with its own
//! config and data folder, stopped (by PID) and cleaned up on drop.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Password of the `suite` user in [`Distribution::with_htpasswd`].
pub const PASSWORD: &str = "suite-secret";
/// bcrypt of [`PASSWORD`] (cost 5), computed once with libxcrypt.
const BCRYPT: &str = "$2b$05$abcdefghijklmnopqrstuuvb7CvDodzi00/xYq.1DxPuxWAoDFoFm";

/// A running registry; killed and its folder removed on drop.
pub struct Distribution {
    child: Child,
    dir: PathBuf,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

impl Distribution {
    /// Starts an anonymous registry with deletes enabled.
    pub fn start() -> Distribution {
        Distribution::launch(false)
    }

    /// Starts a registry requiring Basic auth as `suite` / [`PASSWORD`].
    pub fn with_htpasswd() -> Distribution {
        Distribution::launch(true)
    }

    fn launch(htpasswd: bool) -> Distribution {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "ociscope-distribution-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(dir.join("data")).expect("create registry folder");
        let port = free_port();
        let mut config = format!(
            "version: 0.1\n\
             log: {{level: warn, accesslog: {{disabled: true}}}}\n\
             storage:\n  filesystem: {{rootdirectory: {}}}\n  delete: {{enabled: true}}\n  \
             maintenance: {{uploadpurging: {{enabled: false}}}}\n\
             http:\n  addr: 127.0.0.1:{port}\n  secret: ociscope-test-secret\n",
            dir.join("data").display()
        );
        if htpasswd {
            let file = dir.join("htpasswd");
            std::fs::write(&file, format!("suite:{BCRYPT}\n")).expect("write htpasswd");
            config.push_str(&format!(
                "auth:\n  htpasswd: {{realm: ociscope-test, path: {}}}\n",
                file.display()
            ));
        }
        let config_path = dir.join("config.yml");
        std::fs::write(&config_path, config).expect("write config");
        let log = std::fs::File::create(dir.join("registry.log")).expect("create log");
        let child = Command::new("/usr/bin/docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("start /usr/bin/docker-registry");
        let mut d = Distribution {
            child,
            dir,
            url: format!("http://127.0.0.1:{port}"),
        };
        d.wait_ready(port);
        d
    }

    fn wait_ready(&mut self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("docker-registry exited ({status}): {}", self.log());
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "docker-registry did not listen on {}: {}",
            self.url,
            self.log()
        );
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

/// A prefix unique to this process and moment, for suite repositories.
pub fn unique_prefix(label: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{label}-{}-{nanos}", std::process::id())
}
