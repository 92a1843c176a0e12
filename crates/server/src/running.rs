//! A server running on its own thread: started on a bound address, stopped by its handle.

use std::io;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::thread::JoinHandle;

use ociscope_core::spec::Spec;
use tokio::sync::oneshot;

use crate::config::Config;
use crate::server::Server;

/// A server running on a thread of its own; stopped (and joined) on [`Running::stop`] or drop.
pub struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Running {
    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, ends open connections and waits for the thread.
    pub fn stop(mut self) -> io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .map_err(|_| io::Error::other("server thread panicked"))?,
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// Starts a server on `addr` (port 0: the OS chooses) on a new thread, with the `Spec` that
/// `make_spec` builds there (specs need not be `Send`).
pub fn spawn<S, F>(addr: &str, make_spec: F, config: Config) -> io::Result<Running>
where
    S: Spec + 'static,
    F: FnOnce() -> S + Send + 'static,
{
    let listener = StdListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name(format!("ociscope-server {addr}"))
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let local = tokio::task::LocalSet::new();
            local.block_on(&runtime, async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                let server = Server::new(make_spec(), config);
                server
                    .serve_until(listener, async {
                        let _ = stopped.await;
                    })
                    .await
            })
        })?;
    Ok(Running {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    })
}
