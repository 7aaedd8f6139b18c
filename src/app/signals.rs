//! Unix signals → the daemon's controls: SIGTERM/SIGINT cancel (finish in-flight sends, save,
//! exit), SIGHUP asks for a config reload.

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Spawns the signal listener. Returns the reload channel.
pub fn install(shutdown: CancellationToken) -> std::io::Result<mpsc::Receiver<()>> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = term.recv() => { tracing::info!("SIGTERM: stopping"); shutdown.cancel(); break; }
                _ = int.recv() => { tracing::info!("SIGINT: stopping"); shutdown.cancel(); break; }
                _ = hup.recv() => {
                    tracing::info!("SIGHUP: reloading configuration");
                    let _ = tx.try_send(());
                }
            }
        }
    });
    Ok(rx)
}
