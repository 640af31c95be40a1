//! Damaged copies of every fixture: truncated at many lengths and with bits flipped, opened with
//! `TiffFile::from_bytes` and read whole (every band). The reader must return Ok or Err, never
//! panic; and a copy that cuts into any image block's bytes must give Err, not wrong pixels.

mod common;

use common::{Fixture, check_all, fixtures, read_le};
use rastagg_tiff::{Limits, TiffFile, Window};

/// Tight limits so that a flipped size field cannot make a test allocate gigabytes.
fn limits() -> Limits {
    Limits {
        max_block_bytes: 16 << 20,
        max_window_bytes: 64 << 20,
        ..Limits::default()
    }
}

/// Opens `bytes` and reads every band whole: Ok only if everything succeeded. An error must be
/// one line that starts with the file's name (the reader's error contract).
fn open_and_read(name: &str, bytes: Vec<u8>) -> Result<(), String> {
    let read = || -> rastagg_tiff::Result<()> {
        let file = TiffFile::from_bytes(name, bytes, limits())?;
        let info = file.info();
        for b in 0..info.bands {
            read_le(&file, b, Window::new(0, 0, info.width, info.height))?;
        }
        Ok(())
    };
    read().map_err(|e| {
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!("{name}: ")) && !msg.contains('\n'),
            "error message does not name the file on one line: {msg:?}"
        );
        msg
    })
}

/// The end (offset + size) of every stored image block, from GDAL's BLOCK_OFFSET/BLOCK_SIZE.
fn block_ends(f: &Fixture) -> Vec<u64> {
    let mut ends = Vec::new();
    for b in 0..f.size().2 {
        for r in f.band(b)["blocks"].as_array().into_iter().flatten() {
            let (off, size) = (r[0].as_u64().unwrap_or(0), r[1].as_u64().unwrap_or(0));
            if off > 0 && size > 0 {
                ends.push(off + size);
            }
        }
    }
    ends
}

/// The lengths to truncate a `len`-byte file at: all of them for small files; else the first
/// 600 bytes (header, IFD) in steps, a spread over the file, and just before each block's end.
fn truncation_lengths(len: u64, ends: &[u64]) -> Vec<u64> {
    if len <= 1500 {
        return (0..len).collect();
    }
    let mut out: Vec<u64> = (0..600).step_by(6).collect();
    out.extend((0..100).map(|i| i * len / 100));
    for &e in ends {
        out.extend([e.saturating_sub(1), e.saturating_sub(17)]);
    }
    out.extend(len.saturating_sub(8)..len);
    out.retain(|&l| l < len);
    out.sort_unstable();
    out.dedup();
    out
}

#[test]
fn truncated_files_never_panic_and_cut_blocks_are_errors() {
    let all = fixtures();
    check_all(
        "truncated",
        &all,
        |f| &f.name,
        |f| {
            let bytes = std::fs::read(&f.tif).expect("read fixture");
            let ends = block_ends(f);
            let last_end = ends.iter().copied().max().unwrap_or(0);
            let mut problems = Vec::new();
            for len in truncation_lengths(bytes.len() as u64, &ends) {
                let result = open_and_read(&f.name, bytes[..len as usize].to_vec());
                if len < last_end && result.is_ok() {
                    problems.push(format!(
                        "truncated to {len} bytes (a block ends at {last_end}): read without error"
                    ));
                }
                if problems.len() > 5 {
                    break;
                }
            }
            problems
        },
    );
}

/// A small deterministic generator (SplitMix64) for the corruption positions.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[test]
fn bit_flipped_files_never_panic() {
    let all = fixtures();
    check_all(
        "bit flips",
        &all,
        |f| &f.name,
        |f| {
            let bytes = std::fs::read(&f.tif).expect("read fixture");
            let len = bytes.len() as u64;
            let mut rng = SplitMix(common::fnv1a64(f.name.as_bytes()));
            // Half the flips hit the header and IFD region, where sizes and offsets live.
            let head = len.min(1024);
            let mut problems = Vec::new();
            // Fewer copies of the larger files keep the debug-build run short.
            let copies = if len > 16 << 10 { 40 } else { 160 };
            for i in 0..copies {
                let mut copy = bytes.clone();
                let pos = (rng.next() % if i % 2 == 0 { head } else { len }) as usize;
                let what = match i % 4 {
                    3 => {
                        // Overwrite up to 4 bytes with 0xff: huge counts and offsets.
                        let end = (pos + 4).min(copy.len());
                        copy[pos..end].fill(0xff);
                        format!("0xff at {pos}")
                    }
                    _ => {
                        let bit = rng.next() % 8;
                        copy[pos] ^= 1 << bit;
                        format!("bit {bit} of byte {pos}")
                    }
                };
                // Ok or Err are both fine; a panic is caught by check_all and reported.
                let outcome = std::panic::catch_unwind(|| open_and_read(&f.name, copy));
                if let Err(p) = outcome {
                    problems.push(format!("{what}: PANIC {}", common::panic_message(&p)));
                }
            }
            problems
        },
    );
}
