//! Decompressing input (gzip, zstd) whose errors say where: a corrupt
//! stream is an error naming the range of compressed bytes the decoder was
//! decoding when it noticed (from what it had consumed to the end of the
//! buffer it was given), and a stream cut short (a writer killed mid-way) ends the
//! decompressed data there, so the reader on top reads everything before
//! the cut and reports the cut record as truncated.
//!
//! # Limitations
//! A compressed stream cut exactly between two records of a JSON Lines or
//! STD trace reads as a complete trace; a binary trace always tells (its end
//! record is missing).

use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::bufread::MultiGzDecoder;

/// A compression format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Codec {
    Gzip,
    Zstd,
}

impl Codec {
    pub fn name(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Zstd => "zstd",
        }
    }
}

/// What a decoder has consumed of its input, and how far the buffer it
/// was last handed reached.
#[derive(Debug, Default)]
struct Progress {
    consumed: AtomicU64,
    window_end: AtomicU64,
}

/// A buffered reader that counts the bytes its user consumed.
struct Tally<R> {
    inner: BufReader<R>,
    progress: Arc<Progress>,
}

impl<R: Read> Read for Tally<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let consumed = self
            .progress
            .consumed
            .fetch_add(n as u64, Ordering::Relaxed)
            + n as u64;
        self.progress.window_end.store(consumed, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: Read> BufRead for Tally<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let window = self.inner.fill_buf()?;
        let end = self.progress.consumed.load(Ordering::Relaxed) + window.len() as u64;
        self.progress.window_end.store(end, Ordering::Relaxed);
        Ok(window)
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.progress
            .consumed
            .fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// The decompressed data of a compressed input. See the module docs.
pub(crate) struct Decompressed {
    inner: Box<dyn Read + Send>,
    codec: Codec,
    progress: Arc<Progress>,
    ended: bool,
}

impl std::fmt::Debug for Decompressed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decompressed")
            .field("codec", &self.codec)
            .field("progress", &self.progress)
            .finish_non_exhaustive()
    }
}

impl Decompressed {
    /// Decompresses `input` with `codec`.
    pub fn new(input: Box<dyn Read + Send>, codec: Codec) -> io::Result<Self> {
        let progress = Arc::new(Progress::default());
        let tally = Tally {
            inner: BufReader::with_capacity(64 * 1024, input),
            progress: Arc::clone(&progress),
        };
        let inner: Box<dyn Read + Send> = match codec {
            Codec::Gzip => Box::new(MultiGzDecoder::new(tally)),
            Codec::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(tally)?),
        };
        Ok(Decompressed {
            inner,
            codec,
            progress,
            ended: false,
        })
    }
}

impl Read for Decompressed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ended {
            return Ok(0);
        }
        match self.inner.read(buf) {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                self.ended = true;
                Ok(0)
            }
            Err(e) => {
                self.ended = true;
                let from = self.progress.consumed.load(Ordering::Relaxed);
                let to = self.progress.window_end.load(Ordering::Relaxed).max(from);
                Err(io::Error::new(
                    e.kind(),
                    format!(
                        "{} data is corrupt within compressed bytes {from}-{to}: {e}",
                        self.codec.name()
                    ),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn read_all(bytes: Vec<u8>, codec: Codec) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        Decompressed::new(Box::new(io::Cursor::new(bytes)), codec)?.read_to_end(&mut out)?;
        Ok(out)
    }

    fn data() -> Vec<u8> {
        (0..200_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect()
    }

    #[test]
    fn both_codecs_round_trip() {
        let data = data();
        assert_eq!(read_all(gzip(&data), Codec::Gzip).unwrap(), data);
        let zst = zstd::encode_all(&data[..], 3).unwrap();
        assert_eq!(read_all(zst, Codec::Zstd).unwrap(), data);
    }

    #[test]
    fn a_cut_stream_ends_where_it_was_cut() {
        let data = data();
        for (codec, bytes) in [
            (Codec::Gzip, gzip(&data)),
            (Codec::Zstd, zstd::encode_all(&data[..], 3).unwrap()),
        ] {
            let cut = bytes[..bytes.len() / 2].to_vec();
            let got = read_all(cut, codec).unwrap();
            assert!(!got.is_empty() && got.len() < data.len(), "{codec:?}");
            assert_eq!(got[..], data[..got.len()], "{codec:?}: a prefix");
        }
    }

    #[test]
    fn corruption_names_the_compressed_byte() {
        let data = data();
        for (codec, mut bytes) in [
            (Codec::Gzip, gzip(&data)),
            (Codec::Zstd, zstd::encode_all(&data[..], 3).unwrap()),
        ] {
            let mid = bytes.len() / 2;
            for b in &mut bytes[mid..mid + 64] {
                *b ^= 0x5A;
            }
            let len = bytes.len() as u64;
            let err = read_all(bytes, codec).unwrap_err().to_string();
            let prefix = format!("{} data is corrupt within compressed bytes ", codec.name());
            let range = err.strip_prefix(&prefix).expect(&err);
            let (from, to) = range.split(':').next().unwrap().split_once('-').unwrap();
            let (from, to): (u64, u64) = (from.parse().unwrap(), to.parse().unwrap());
            // The damage starts at `mid`: the decoder noticed it in the
            // range it was decoding (or at a checksum after it).
            assert!(
                from <= to && to > mid as u64 && to <= len,
                "{codec:?}: {err}"
            );
        }
    }
}
