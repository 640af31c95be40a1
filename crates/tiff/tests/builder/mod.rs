//! An in-memory TIFF writer for tests: classic or BigTIFF, either byte order, tiles or strips,
//! pixel- or band-interleaved, every codec and predictor the reader decodes, sparse blocks,
//! extra tags and trailing overview/mask IFDs. Pixels are given as f64 and stored cast to the
//! sample type, so tests know exactly what the reader must return.
#![allow(dead_code)]

use flate2::write::ZlibEncoder;
use rastagg_raster::SampleType;
use std::io::Write;

/// How the image is cut into blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocks {
    /// Tiles of width × height.
    Tiles(u32, u32),
    /// Strips of this many rows (the last one holds only the remaining rows, as GDAL writes).
    Strips(u32),
}

/// A value of an extra tag.
#[derive(Debug, Clone)]
pub enum Value {
    /// SHORT values.
    Shorts(Vec<u16>),
    /// DOUBLE values.
    Doubles(Vec<f64>),
    /// ASCII text (a NUL is appended).
    Ascii(String),
}

/// What to write.
#[derive(Debug, Clone)]
pub struct Spec {
    pub bigtiff: bool,
    pub big_endian: bool,
    pub width: u32,
    pub height: u32,
    pub bands: u16,
    pub sample_type: SampleType,
    pub blocks: Blocks,
    /// PlanarConfiguration 2 (band-interleaved) rather than 1.
    pub planar: bool,
    /// TIFF compression code: 1, 5, 8, 32773 or 50000.
    pub compression: u16,
    /// TIFF predictor code: 1, 2 or 3.
    pub predictor: u16,
    /// Block ids (in the offsets array) written as sparse (offset = count = 0).
    pub sparse: Vec<usize>,
    /// Extra tags of the image IFD.
    pub tags: Vec<(u16, Value)>,
    /// NewSubfileType of IFDs chained after the image (1 overview, 4 mask).
    pub trailing: Vec<u32>,
    /// Make the last IFD point back to the first (a cycle).
    pub cycle: bool,
}

impl Spec {
    /// A single-band, little-endian, uncompressed, striped image of `t`.
    pub fn new(width: u32, height: u32, t: SampleType) -> Spec {
        Spec {
            bigtiff: false,
            big_endian: false,
            width,
            height,
            bands: 1,
            sample_type: t,
            blocks: Blocks::Strips(height),
            planar: false,
            compression: 1,
            predictor: 1,
            sparse: Vec::new(),
            tags: Vec::new(),
            trailing: Vec::new(),
            cycle: false,
        }
    }

    /// Block width, height, blocks across and down.
    pub fn geometry(&self) -> (u32, u32, u32, u32) {
        let (bw, bh) = match self.blocks {
            Blocks::Tiles(w, h) => (w, h),
            Blocks::Strips(r) => (self.width, r.min(self.height)),
        };
        (bw, bh, self.width.div_ceil(bw), self.height.div_ceil(bh))
    }
}

/// The value `v` as the stored sample of type `t`, as big-endian bytes.
fn sample_be(t: SampleType, v: f64) -> Vec<u8> {
    match t {
        SampleType::U8 => (v as u8).to_be_bytes().to_vec(),
        SampleType::I8 => (v as i8).to_be_bytes().to_vec(),
        SampleType::U16 => (v as u16).to_be_bytes().to_vec(),
        SampleType::I16 => (v as i16).to_be_bytes().to_vec(),
        SampleType::U32 => (v as u32).to_be_bytes().to_vec(),
        SampleType::I32 => (v as i32).to_be_bytes().to_vec(),
        SampleType::U64 => (v as u64).to_be_bytes().to_vec(),
        SampleType::I64 => (v as i64).to_be_bytes().to_vec(),
        SampleType::F32 => (v as f32).to_be_bytes().to_vec(),
        SampleType::F64 => v.to_be_bytes().to_vec(),
    }
}

/// Big-endian bytes as an unsigned word.
fn be_word(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x))
}

/// An unsigned word as `n` big-endian bytes.
fn word_be(w: u64, n: usize) -> Vec<u8> {
    w.to_be_bytes()[8 - n..].to_vec()
}

/// Encodes one block: `samples` are big-endian sample bytes, `row_len` samples per row,
/// differencing stride `spp`. Returns the stored bytes.
fn encode_block(spec: &Spec, samples: Vec<Vec<u8>>, row_len: usize, spp: usize) -> Vec<u8> {
    let size = spec.sample_type.size();
    let mut raw = Vec::with_capacity(samples.len() * size);
    // As libtiff, the predictor applies only to the codecs that support one.
    let predictor = if matches!(spec.compression, 5 | 8 | 50000) {
        spec.predictor
    } else {
        1
    };
    for row in samples.chunks(row_len) {
        match predictor {
            2 => {
                let words: Vec<u64> = row.iter().map(|s| be_word(s)).collect();
                let mask = if size == 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * size)) - 1
                };
                for (i, w) in words.iter().enumerate() {
                    let d = if i < spp {
                        *w
                    } else {
                        w.wrapping_sub(words[i - spp]) & mask
                    };
                    let mut b = word_be(d, size);
                    if !spec.big_endian {
                        b.reverse();
                    }
                    raw.extend(b);
                }
            }
            3 => {
                let n = row.len();
                let mut planes = vec![0u8; n * size];
                for (k, s) in row.iter().enumerate() {
                    for (b, &byte) in s.iter().enumerate() {
                        planes[b * n + k] = byte;
                    }
                }
                for i in (spp..planes.len()).rev() {
                    planes[i] = planes[i].wrapping_sub(planes[i - spp]);
                }
                raw.extend(planes);
            }
            _ => {
                for s in row {
                    let mut b = s.clone();
                    if !spec.big_endian {
                        b.reverse();
                    }
                    raw.extend(b);
                }
            }
        }
    }
    compress(spec.compression, &raw)
}

/// Compresses `raw` with TIFF compression `code`.
pub fn compress(code: u16, raw: &[u8]) -> Vec<u8> {
    match code {
        1 => raw.to_vec(),
        5 => weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
            .encode(raw)
            .unwrap(),
        8 => {
            let mut e = ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(raw).unwrap();
            e.finish().unwrap()
        }
        32773 => packbits(raw),
        50000 => {
            ruzstd::encoding::compress_to_vec(raw, ruzstd::encoding::CompressionLevel::Fastest)
        }
        c => panic!("builder cannot write compression {c}"),
    }
}

/// PackBits: runs of 3+ equal bytes as repeats, the rest as literals of up to 128 bytes.
fn packbits(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let run = raw[i..]
            .iter()
            .take(128)
            .take_while(|&&b| b == raw[i])
            .count();
        if run >= 3 {
            out.push((1 - run as i16) as i8 as u8);
            out.push(raw[i]);
            i += run;
        } else {
            let start = i;
            while i < raw.len() && i - start < 128 {
                if i + 2 < raw.len() && raw[i] == raw[i + 1] && raw[i] == raw[i + 2] {
                    break;
                }
                i += 1;
            }
            out.push((i - start - 1) as u8);
            out.extend_from_slice(&raw[start..i]);
        }
    }
    out
}

/// Bytes of a file in the spec's byte order.
struct Out {
    bytes: Vec<u8>,
    big: bool,
}

impl Out {
    fn put(&mut self, v: u64, n: usize) {
        let b = v.to_be_bytes();
        let mut b = b[8 - n..].to_vec();
        if !self.big {
            b.reverse();
        }
        self.bytes.extend(b);
    }
    fn pos(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn align(&mut self) {
        if self.bytes.len() % 2 == 1 {
            self.bytes.push(0);
        }
    }
}

/// One IFD entry to write: tag, field type, count, value bytes (already in file order).
type RawEntry = (u16, u16, u64, Vec<u8>);

fn entry_uints(out: &Out, tag: u16, field_type: u16, values: &[u64]) -> RawEntry {
    let n = match field_type {
        3 => 2,
        4 => 4,
        _ => 8,
    };
    let mut o = Out {
        bytes: Vec::new(),
        big: out.big,
    };
    for &v in values {
        o.put(v, n);
    }
    (tag, field_type, values.len() as u64, o.bytes)
}

fn entry_value(out: &Out, tag: u16, v: &Value) -> RawEntry {
    match v {
        Value::Shorts(s) => entry_uints(
            out,
            tag,
            3,
            &s.iter().map(|&x| u64::from(x)).collect::<Vec<_>>(),
        ),
        Value::Doubles(d) => {
            let mut o = Out {
                bytes: Vec::new(),
                big: out.big,
            };
            for x in d {
                o.put(x.to_bits(), 8);
            }
            (tag, 12, d.len() as u64, o.bytes)
        }
        Value::Ascii(s) => {
            let mut b = s.as_bytes().to_vec();
            b.push(0);
            (tag, 2, b.len() as u64, b)
        }
    }
}

/// Appends an IFD of `entries` (sorted here) at the end of `out`, values first; returns its
/// offset and the position of its next-IFD pointer.
fn write_ifd(out: &mut Out, bigtiff: bool, mut entries: Vec<RawEntry>) -> (u64, u64) {
    entries.sort_by_key(|e| e.0);
    let inline = if bigtiff { 8 } else { 4 };
    let mut placed = Vec::new();
    for (tag, ty, count, bytes) in entries {
        if bytes.len() > inline {
            out.align();
            let at = out.pos();
            out.bytes.extend(&bytes);
            placed.push((tag, ty, count, None, at));
        } else {
            placed.push((tag, ty, count, Some(bytes), 0));
        }
    }
    out.align();
    let at = out.pos();
    out.put(placed.len() as u64, if bigtiff { 8 } else { 2 });
    for (tag, ty, count, inline_bytes, offset) in placed {
        out.put(u64::from(tag), 2);
        out.put(u64::from(ty), 2);
        out.put(count, if bigtiff { 8 } else { 4 });
        match inline_bytes {
            Some(mut b) => {
                b.resize(inline, 0);
                out.bytes.extend(b);
            }
            None => out.put(offset, inline),
        }
    }
    let next_at = out.pos();
    out.put(0, inline);
    (at, next_at)
}

/// Overwrites the offset at `at` with `value`.
fn patch(out: &mut Out, at: u64, value: u64, bigtiff: bool) {
    let n = if bigtiff { 8 } else { 4 };
    let mut o = Out {
        bytes: Vec::new(),
        big: out.big,
    };
    o.put(value, n);
    out.bytes[at as usize..at as usize + n].copy_from_slice(&o.bytes);
}

/// Writes the TIFF. `pixels[band][row * width + col]` are the values.
pub fn build(spec: &Spec, pixels: &[Vec<f64>]) -> Vec<u8> {
    let (bw, bh, across, down) = spec.geometry();
    let bands = spec.bands as usize;
    let (w, h) = (spec.width as usize, spec.height as usize);
    let tiled = matches!(spec.blocks, Blocks::Tiles(..));
    let mut out = Out {
        bytes: Vec::new(),
        big: spec.big_endian,
    };
    out.bytes
        .extend(if spec.big_endian { b"MM" } else { b"II" });
    if spec.bigtiff {
        out.put(43, 2);
        out.put(8, 2);
        out.put(0, 2);
        out.put(0, 8);
    } else {
        out.put(42, 2);
        out.put(0, 4);
    }
    let planes: Vec<Vec<usize>> = if spec.planar {
        (0..bands).map(|b| vec![b]).collect()
    } else {
        vec![(0..bands).collect()]
    };
    let (mut offsets, mut counts) = (Vec::new(), Vec::new());
    for plane in &planes {
        for by in 0..down as usize {
            for bx in 0..across as usize {
                let id = offsets.len();
                let rows = if tiled {
                    bh as usize
                } else {
                    (bh as usize).min(h - by * bh as usize)
                };
                let mut samples = Vec::new();
                for r in 0..rows {
                    for c in 0..bw as usize {
                        let (y, x) = (by * bh as usize + r, bx * bw as usize + c);
                        for &b in plane {
                            let v = if y < h && x < w {
                                pixels[b][y * w + x]
                            } else {
                                0.0
                            };
                            samples.push(sample_be(spec.sample_type, v));
                        }
                    }
                }
                if spec.sparse.contains(&id) {
                    offsets.push(0);
                    counts.push(0);
                    continue;
                }
                let stored = encode_block(spec, samples, bw as usize * plane.len(), plane.len());
                offsets.push(out.pos());
                counts.push(stored.len() as u64);
                out.bytes.extend(stored);
            }
        }
    }
    let off_type = if spec.bigtiff { 16 } else { 4 };
    let (bits, format) = match spec.sample_type {
        t if t.is_float() => (t.size() * 8, 3),
        t if t.is_signed_int() => (t.size() * 8, 2),
        t => (t.size() * 8, 1),
    };
    let b = &out;
    let mut entries = vec![
        entry_uints(b, 256, 4, &[u64::from(spec.width)]),
        entry_uints(b, 257, 4, &[u64::from(spec.height)]),
        entry_uints(b, 258, 3, &vec![bits as u64; bands]),
        entry_uints(b, 259, 3, &[u64::from(spec.compression)]),
        entry_uints(b, 262, 3, &[1]),
        entry_uints(b, 277, 3, &[bands as u64]),
        entry_uints(b, 284, 3, &[if spec.planar { 2 } else { 1 }]),
        entry_uints(b, 339, 3, &vec![format; bands]),
    ];
    if spec.predictor != 1 {
        entries.push(entry_uints(b, 317, 3, &[u64::from(spec.predictor)]));
    }
    if tiled {
        entries.push(entry_uints(b, 322, 4, &[u64::from(bw)]));
        entries.push(entry_uints(b, 323, 4, &[u64::from(bh)]));
        entries.push(entry_uints(b, 324, off_type, &offsets));
        entries.push(entry_uints(b, 325, off_type, &counts));
    } else {
        entries.push(entry_uints(b, 278, 4, &[u64::from(bh)]));
        entries.push(entry_uints(b, 273, off_type, &offsets));
        entries.push(entry_uints(b, 279, off_type, &counts));
    }
    for (tag, v) in &spec.tags {
        entries.push(entry_value(b, *tag, v));
    }
    let (first, mut next_at) = write_ifd(&mut out, spec.bigtiff, entries);
    patch(
        &mut out,
        if spec.bigtiff { 8 } else { 4 },
        first,
        spec.bigtiff,
    );
    for &kind in &spec.trailing {
        // A 1x1 uncompressed byte image.
        let data_at = out.pos();
        out.bytes.push(0);
        let b = &out;
        let entries = vec![
            entry_uints(b, 254, 4, &[u64::from(kind)]),
            entry_uints(b, 256, 4, &[1]),
            entry_uints(b, 257, 4, &[1]),
            entry_uints(b, 258, 3, &[8]),
            entry_uints(b, 262, 3, &[if kind & 4 != 0 { 4 } else { 1 }]),
            entry_uints(b, 273, off_type, &[data_at]),
            entry_uints(b, 279, off_type, &[1]),
        ];
        let (at, n) = write_ifd(&mut out, spec.bigtiff, entries);
        patch(&mut out, next_at, at, spec.bigtiff);
        next_at = n;
    }
    if spec.cycle {
        patch(&mut out, next_at, first, spec.bigtiff);
    }
    out.bytes
}

/// Deterministic pseudo-random test pixels for `spec`, each exactly representable in the
/// sample type and spread over its range (so byte order and predictor wrap-around matter).
pub fn pixels(spec: &Spec, seed: u64) -> Vec<Vec<f64>> {
    let t = spec.sample_type;
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..spec.bands)
        .map(|_| {
            (0..spec.width as usize * spec.height as usize)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let r = (state >> 16) as i64 & 0xFFFF_FFFF;
                    match t {
                        SampleType::U8 => (r % 256) as f64,
                        SampleType::I8 => (r % 256 - 128) as f64,
                        SampleType::U16 => (r % 65536) as f64,
                        SampleType::I16 => (r % 65536 - 32768) as f64,
                        SampleType::U32 => r as f64,
                        SampleType::I32 => (r - (1 << 31)) as f64,
                        SampleType::U64 => (r << 21) as f64,
                        SampleType::I64 => ((r - (1 << 31)) << 21) as f64,
                        SampleType::F32 => f64::from((r % 100_000) as f32 / 64.0 - 500.0),
                        SampleType::F64 => (r % 1_000_000) as f64 / 1024.0 - 400.0,
                    }
                })
                .collect()
        })
        .collect()
}
