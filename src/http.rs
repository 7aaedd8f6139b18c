//! Health, metrics and the status page on `daemon.http_listen` (loopback by default).
