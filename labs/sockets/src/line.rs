//! The echo protocol: every line a client sends comes back unchanged.
//!
//! TCP carries a stream of bytes, not messages: one `read` may return half a line, or three
//! lines and the start of a fourth. So every server model keeps what it has read in a buffer
//! and takes whole lines out of it, ending at `\n`. The bytes of a line are echoed as they came,
//! binary or not; only the newline matters.
//!
//! A client could send a line that never ends, so a line longer than the limit (`--max-line`)
//! gets `ERROR line longer than N bytes` and the connection is closed: a server must not let one
//! client fill its memory.

/// What the server says before it closes a connection whose line is too long.
pub fn too_long_message(max_line: usize) -> Vec<u8> {
    format!("ERROR line longer than {max_line} bytes\n").into_bytes()
}

/// What [`Lines::next_line`] found in the buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// A whole line, with its `\n`.
    Line(Vec<u8>),
    /// No whole line yet: read more.
    Incomplete,
    /// The line under way is past the limit.
    TooLong,
}

/// The bytes read from one connection and not yet echoed.
#[derive(Debug)]
pub struct Lines {
    buffer: Vec<u8>,
    /// How far the buffer has been searched for `\n`, so bytes are not searched twice.
    searched: usize,
    max_line: usize,
}

impl Lines {
    pub fn new(max_line: usize) -> Lines {
        Lines {
            buffer: Vec::new(),
            searched: 0,
            max_line,
        }
    }

    /// Adds bytes just read.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// Takes the next whole line out, if there is one.
    pub fn next_line(&mut self) -> Next {
        match self.buffer[self.searched..]
            .iter()
            .position(|byte| *byte == b'\n')
        {
            Some(offset) => {
                let end = self.searched + offset + 1;
                if end - 1 > self.max_line {
                    return Next::TooLong;
                }
                let rest = self.buffer.split_off(end);
                let line = std::mem::replace(&mut self.buffer, rest);
                self.searched = 0;
                Next::Line(line)
            }
            None if self.buffer.len() > self.max_line => Next::TooLong,
            None => {
                self.searched = self.buffer.len();
                Next::Incomplete
            }
        }
    }

    /// Bytes of a line begun but not finished (a client that vanishes mid-line leaves these).
    pub fn unfinished(&self) -> usize {
        self.buffer.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_out_whole_however_the_bytes_arrive() {
        let mut lines = Lines::new(100);
        lines.push(b"hel");
        assert_eq!(lines.next_line(), Next::Incomplete);
        lines.push(b"lo\nsecond\nthi");
        assert_eq!(lines.next_line(), Next::Line(b"hello\n".to_vec()));
        assert_eq!(lines.next_line(), Next::Line(b"second\n".to_vec()));
        assert_eq!(lines.next_line(), Next::Incomplete);
        assert_eq!(lines.unfinished(), 3);
        lines.push(b"rd\n");
        assert_eq!(lines.next_line(), Next::Line(b"third\n".to_vec()));
        assert_eq!(lines.unfinished(), 0);
    }

    #[test]
    fn binary_bytes_pass_unchanged() {
        let mut lines = Lines::new(100);
        let line = [0u8, 255, 13, 7, b'\n'];
        lines.push(&line);
        assert_eq!(lines.next_line(), Next::Line(line.to_vec()));
    }

    #[test]
    fn a_line_past_the_limit_is_refused_with_or_without_its_newline() {
        let mut lines = Lines::new(4);
        lines.push(b"abcd\n");
        assert_eq!(lines.next_line(), Next::Line(b"abcd\n".to_vec()));
        lines.push(b"abcde\n");
        assert_eq!(lines.next_line(), Next::TooLong);
        let mut endless = Lines::new(4);
        endless.push(b"abcde");
        assert_eq!(endless.next_line(), Next::TooLong);
        assert_eq!(
            too_long_message(4),
            b"ERROR line longer than 4 bytes\n".to_vec()
        );
    }
}
