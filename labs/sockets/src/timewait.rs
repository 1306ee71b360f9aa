//! TIME_WAIT: what a closed connection leaves behind.
//!
//! The side that closes a TCP connection first keeps a trace of it for a while (60 s on
//! Linux), in case a late packet of that connection is still on the way. Until then the pair
//! of addresses cannot be reused. For a server that closed its connections, this means
//! restarting it on the same port fails with "Address already in use", unless it sets
//! SO_REUSEADDR before `bind`.
//!
//! Linux lists every TCP socket in `/proc/net/tcp` (and `tcp6`), one line each: the local
//! address as `hex IP:hex port`, and the state as a hex number, `06` for TIME_WAIT.

/// The TIME_WAIT state in /proc/net/tcp.
const TIME_WAIT: &str = "06";

/// How many sockets with local port `port` are in TIME_WAIT; `None` where /proc/net/tcp does
/// not exist (not Linux).
pub fn count(port: u16) -> Option<usize> {
    let mut found = None;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        if let Ok(text) = std::fs::read_to_string(table) {
            *found.get_or_insert(0) += count_in(&text, port);
        }
    }
    found
}

/// Counts in the text of one table.
fn count_in(table: &str, port: u16) -> usize {
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields
                .get(1)
                .and_then(|local| local.rsplit_once(':'))
                .and_then(|(_, port)| u16::from_str_radix(port, 16).ok());
            local_port == Some(port) && fields.get(3) == Some(&TIME_WAIT)
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_wait_sockets_on_the_port_are_counted() {
        // The layout documented for /proc/net/tcp (proc(5)): sl, local, remote, state, ...
        // 0x61AB is port 25003; 0A is LISTEN, 01 ESTABLISHED, 06 TIME_WAIT.
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:61AB 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:61AB 0100007F:D431 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
   2: 0100007F:61AB 0100007F:D432 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
   3: 0100007F:D433 0100007F:61AB 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
   4: 0100007F:61AB 0100007F:D434 01 00000000:00000000 00:00000000 00000000  1000        0 2 1 0000000000000000 20 4 30 10 -1
";
        assert_eq!(
            count_in(table, 25003),
            2,
            "the client's side (port D433) is not the server's"
        );
        assert_eq!(count_in(table, 80), 0);
    }
}
