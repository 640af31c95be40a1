//! An open TIFF: the mapped bytes, the image description and the block index, parsed once and
//! then shared read-only by any number of threads.

use crate::codec::Compression;
use crate::decode::BlockCodec;
use crate::error::{DecodeError, Error, Fallible, Result, format_err};
use crate::header::{Header, Reader, slice_at};
use crate::ifd::{Ifd, Values};
use crate::image::{self, ImageInfo, Interleave};
use crate::limits::{Limits, MAX_IFDS};
use crate::predictor::Predictor;
use crate::tags;
use rastagg_raster::{Sample, SampleType};
use std::cell::RefCell;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The bytes of the file: a read-only memory map, or a buffer given by the caller.
enum Bytes {
    Map(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Bytes {
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Map(m) => m,
            Bytes::Owned(v) => v,
        }
    }

    /// Drops the mapped pages of `range` (whole pages inside it) from this process's resident
    /// set; they stay in the page cache and fault back in if read again. Without this, every
    /// page of a file read once stays resident while it is open, and a run's RSS grows with
    /// the input's size (DESIGN.md: memory is bounded by the band size, not the input size).
    fn release(&self, range: std::ops::Range<u64>) {
        const PAGE: u64 = 4096;
        let Bytes::Map(map) = self else {
            return;
        };
        let start = range.start.div_ceil(PAGE) * PAGE;
        let end = (range.end.min(map.len() as u64) / PAGE) * PAGE;
        if start >= end {
            return;
        }
        let (Ok(offset), Ok(len)) = (usize::try_from(start), usize::try_from(end - start)) else {
            return;
        };
        // SAFETY: the map is a read-only, file-backed shared mapping that is never written.
        // MADV_DONTNEED on such pages only unmaps them from this process: a later read, by this
        // thread or a concurrent one holding a slice of them, faults the same file bytes back
        // in, so no reference ever observes different contents. (memmap2 marks the advice
        // unsafe because on private or anonymous maps it zeroes the pages.) The range is
        // page-aligned and inside the map. A failure only means the pages stay resident.
        #[allow(unsafe_code)]
        let _ =
            unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, len) };
    }
}

/// Where a decoded block is.
pub(crate) enum Decoded<'a> {
    /// Sparse: nothing stored, the block reads as the fill value.
    Sparse,
    /// Stored as it decodes (uncompressed, native order): these bytes of the map.
    Stored(&'a [u8]),
    /// Decoded into the scratch buffer's `block`.
    Scratch,
}

/// The first `len` stored bytes when they already are the decoded block (uncompressed, no
/// predictor, native byte order), else `None`.
fn verbatim<'a>(codec: &BlockCodec, src: &'a [u8], len: usize) -> Option<&'a [u8]> {
    let as_stored = codec.compression == Compression::None
        && codec.predictor == Predictor::None
        && (codec.sample_type.size() == 1 || !codec.byte_order.needs_swap());
    src.get(..len).filter(|_| as_stored)
}

/// Decodes the stored bytes `src` of block `index` into `out`; errors name the block.
fn decode_stored(
    codec: &BlockCodec,
    index: u64,
    src: &[u8],
    out: &mut [u8],
    row: &mut Vec<u8>,
) -> Fallible<()> {
    codec
        .decode_with(src, out, row)
        .map_err(|e| e.context(format_args!("block {index}")))
}

/// Reusable buffers of one decoding thread.
#[derive(Default)]
pub(crate) struct Scratch {
    /// One decoded block.
    pub block: Vec<u8>,
    /// Predictor scratch.
    pub row: Vec<u8>,
}

thread_local! {
    /// Each thread's decoding buffers, kept between calls so that repeated reads neither
    /// allocate nor fault in fresh pages.
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// Runs `f` with this thread's scratch buffers (fresh ones if they are in use further up the
/// stack).
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => f(&mut scratch),
        Err(_) => f(&mut Scratch::default()),
    })
}

/// An open GeoTIFF: parsed once, then shared by any number of threads (Send + Sync, no locks).
pub struct TiffFile {
    path: PathBuf,
    bytes: Bytes,
    info: ImageInfo,
    offsets: Vec<u64>,
    counts: Vec<u64>,
    limits: Limits,
}

impl std::fmt::Debug for TiffFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TiffFile")
            .field("path", &self.path)
            .field("info", &self.info)
            .finish()
    }
}

impl TiffFile {
    /// Opens and parses `path` with default [`Limits`], mapping it into memory.
    pub fn open(path: impl AsRef<Path>) -> Result<TiffFile> {
        TiffFile::open_with_limits(path, Limits::default())
    }

    /// Opens and parses `path` with the given limits, mapping it into memory.
    pub fn open_with_limits(path: impl AsRef<Path>, limits: Limits) -> Result<TiffFile> {
        let path = path.as_ref().to_path_buf();
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        let file = std::fs::File::open(&path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len == 0 {
            return Err(Error::at(path, format_err!("empty file")));
        }
        // SAFETY: the map is read-only and private to this process. Another process truncating
        // or rewriting the file while it is mapped could change or remove the bytes under us
        // (SIGBUS); that is the documented contract of every mmap-based reader (GDAL's too),
        // and the bytes are only ever read through bounds-checked slices of the map's length.
        #[allow(unsafe_code)]
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        TiffFile::parse(path, Bytes::Map(map), limits)
    }

    /// Parses a TIFF held in memory; `name` stands for its path in errors. For tests, fuzzing
    /// and data that is not in a file.
    pub fn from_bytes(
        name: impl Into<PathBuf>,
        bytes: Vec<u8>,
        limits: Limits,
    ) -> Result<TiffFile> {
        TiffFile::parse(name.into(), Bytes::Owned(bytes), limits)
    }

    fn parse(path: PathBuf, bytes: Bytes, limits: Limits) -> Result<TiffFile> {
        match parse_layout(bytes.as_slice(), &limits) {
            Ok(l) => Ok(TiffFile {
                path,
                bytes,
                info: l.info,
                offsets: l.offsets,
                counts: l.counts,
                limits,
            }),
            Err(e) => Err(Error::at(path, e)),
        }
    }

    /// The file's path (or the name given to [`TiffFile::from_bytes`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The image's description.
    pub fn info(&self) -> &ImageInfo {
        &self.info
    }

    /// The limits this file was opened with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Attaches this file's path to a problem.
    pub(crate) fn err(&self, e: DecodeError) -> Error {
        Error::at(&self.path, e)
    }

    /// Position of block `index` of `band` in the offset arrays.
    fn block_id(&self, band: usize, index: u64) -> Fallible<usize> {
        let info = &self.info;
        if band >= info.bands {
            return Err(DecodeError::Usage(format!(
                "band {band} out of range (the image has {} bands, numbered from 0)",
                info.bands
            )));
        }
        let per_band = info.blocks_per_band();
        if index >= per_band {
            return Err(DecodeError::Usage(format!(
                "block {index} out of range (the image has {per_band} blocks per band)"
            )));
        }
        let id = match info.interleave {
            Interleave::Pixel => index,
            Interleave::Band => (band as u64).saturating_mul(per_band).saturating_add(index),
        };
        usize::try_from(id).map_err(|_| DecodeError::Usage(format!("block {index} out of range")))
    }

    /// The stored bytes of a block, empty when it is sparse.
    pub(crate) fn raw_block(&self, band: usize, index: u64) -> Fallible<&[u8]> {
        let id = self.block_id(band, index)?;
        let (Some(&offset), Some(&count)) = (self.offsets.get(id), self.counts.get(id)) else {
            return Err(format_err!("block {index}: no offset or byte count"));
        };
        if offset == 0 || count == 0 {
            return Ok(&[]);
        }
        let data = self.bytes.as_slice();
        slice_at(data, offset, count).ok_or_else(|| {
            format_err!(
                "truncated: block {index} ({count} bytes at offset {offset}) lies past the end of the file ({} bytes)",
                data.len()
            )
        })
    }

    /// Releases the resident pages holding the stored bytes of blocks `indices` of `band`
    /// (the file span from the first to the end of the last), once a read has decoded them.
    pub(crate) fn release_blocks(&self, band: usize, indices: impl Iterator<Item = u64>) {
        let span = indices
            .filter_map(|i| {
                let id = self.block_id(band, i).ok()?;
                let (&offset, &count) = (self.offsets.get(id)?, self.counts.get(id)?);
                Some(offset..offset.checked_add(count)?)
            })
            .reduce(|a, b| a.start.min(b.start)..a.end.max(b.end));
        if let Some(span) = span {
            self.bytes.release(span);
        }
    }

    /// The stored (compressed) bytes of block `index` (row-major, `0..info().blocks_per_band()`)
    /// of `band`: a slice of the map, no copy. Empty for a sparse block. For pixel-interleaved
    /// files every band shares a block.
    pub fn block_bytes(&self, band: usize, index: u64) -> Result<&[u8]> {
        self.raw_block(band, index).map_err(|e| self.err(e))
    }

    /// How to decode block `index`'s stored bytes: the same for every band, except that a last
    /// strip holds only the image's remaining rows.
    pub fn block_codec(&self, index: u64) -> Result<BlockCodec> {
        let info = &self.info;
        let window = info
            .block_window(index)
            .ok_or_else(|| self.err(DecodeError::Usage(format!("block {index} out of range"))))?;
        Ok(BlockCodec {
            compression: info.compression,
            predictor: info.predictor,
            sample_type: info.sample_type,
            byte_order: info.byte_order,
            width: info.block_width,
            height: if info.tiled {
                info.block_height
            } else {
                window.rows
            },
            samples_per_pixel: info.block_spp(),
        })
    }

    /// The value a sparse block holds: the nodata value cast to `T` as GDAL casts it, else 0.
    /// 64-bit integer nodata is taken from the text exactly when it is an integer (GDAL's
    /// GetNoDataValueAsInt64/UInt64), since f64 cannot hold every such value.
    pub(crate) fn fill_value<T: Sample>(&self) -> T {
        let Some(n) = self.info.nodata.as_ref() else {
            return T::default();
        };
        let exact = match T::TYPE {
            SampleType::I64 => n.text.parse::<i64>().ok().map(i64::to_ne_bytes),
            SampleType::U64 => n.text.parse::<u64>().ok().map(u64::to_ne_bytes),
            _ => None,
        };
        exact
            .and_then(|b| T::from_ne_slice(&b))
            .unwrap_or_else(|| T::cast_from_f64(n.value))
    }

    /// Decodes block `index` of `band` (all samples of the block, native order): into
    /// `scratch.block`, or, for uncompressed native-order data, not at all (the map's bytes are
    /// used as they are).
    pub(crate) fn decode_raw<'a>(
        &'a self,
        band: usize,
        index: u64,
        scratch: &mut Scratch,
    ) -> Fallible<Decoded<'a>> {
        let Some((src, codec, len)) = self.stored_block(band, index)? else {
            return Ok(Decoded::Sparse);
        };
        if let Some(stored) = verbatim(&codec, src, len) {
            return Ok(Decoded::Stored(stored));
        }
        scratch.block.resize(len, 0);
        let out = scratch.block.get_mut(..len).unwrap_or_default();
        decode_stored(&codec, index, src, out, &mut scratch.row)?;
        Ok(Decoded::Scratch)
    }

    /// Decodes block `index` of `band` straight into `out` when `out` is exactly as long as
    /// the decoded block (all its samples, native order) and the block is stored; `false`
    /// (nothing written) when not, for the caller to take [`TiffFile::decode_raw`]'s way. Saves
    /// a copy of every decoded byte when whole blocks land in a window (strips, the common
    /// GDAL layout).
    pub(crate) fn decode_into(
        &self,
        band: usize,
        index: u64,
        out: &mut [u8],
        row: &mut Vec<u8>,
    ) -> Fallible<bool> {
        let Some((src, codec, len)) = self.stored_block(band, index)? else {
            return Ok(false);
        };
        if len != out.len() {
            return Ok(false);
        }
        match verbatim(&codec, src, len) {
            Some(stored) => out.copy_from_slice(stored),
            None => decode_stored(&codec, index, src, out, row)?,
        }
        Ok(true)
    }

    /// The stored bytes of block `index` of `band`, its codec and its decoded length, checked
    /// against what the stored bytes can hold; `None` for a sparse block.
    fn stored_block(
        &self,
        band: usize,
        index: u64,
    ) -> Fallible<Option<(&[u8], BlockCodec, usize)>> {
        let src = self.raw_block(band, index)?;
        if src.is_empty() {
            return Ok(None);
        }
        let codec = self
            .block_codec(index)
            .map_err(|_| DecodeError::Usage(format!("block {index}")))?;
        let len = codec
            .decoded_len()
            .ok_or_else(|| DecodeError::Limit(format!("block {index} too large")))?;
        let most = codec.compression.max_decoded_len(src.len() as u64);
        if len as u64 > most {
            return Err(format_err!(
                "block {index}: {} stored bytes cannot hold the {len} bytes the block needs (truncated or corrupt)",
                src.len()
            ));
        }
        Ok(Some((src, codec, len)))
    }

    /// Decodes block `index` of `band` into `out`: `block_width × block_height` values, the
    /// full block with its padding, row-major. Sparse blocks fill with nodata (0 when none),
    /// like GDAL; rows a last strip does not store are 0. `T` must be the image's sample type.
    pub fn decode_block<T: Sample>(&self, band: usize, index: u64, out: &mut [T]) -> Result<()> {
        let info = &self.info;
        self.check_type::<T>()?;
        let want = info.block_width.checked_mul(info.block_height);
        if want != Some(out.len() as u64) {
            return Err(self.err(DecodeError::Usage(format!(
                "buffer of {} values for a block of {}x{}",
                out.len(),
                info.block_width,
                info.block_height
            ))));
        }
        with_scratch(|scratch| self.decode_block_with(band, index, out, scratch))
    }

    /// [`TiffFile::decode_block`] with the given buffers.
    fn decode_block_with<T: Sample>(
        &self,
        band: usize,
        index: u64,
        out: &mut [T],
        scratch: &mut Scratch,
    ) -> Result<()> {
        let info = &self.info;
        let block = match self.decode_raw(band, index, scratch) {
            Ok(Decoded::Sparse) => {
                out.fill(self.fill_value());
                return Ok(());
            }
            Ok(Decoded::Stored(b)) => b,
            Ok(Decoded::Scratch) => &scratch.block[..],
            Err(e) => return Err(self.err(e)),
        };
        let bw = info.block_width as usize;
        let rows = block.len() / (bw * T::SIZE * info.block_spp() as usize).max(1);
        let (stored, rest) = out.split_at_mut((rows * bw).min(out.len()));
        let band_in_block = if info.interleave == Interleave::Pixel {
            band
        } else {
            0
        };
        crate::window::copy_samples(
            block,
            info.block_spp() as usize,
            band_in_block,
            stored,
            |v: T| v,
        );
        rest.fill(T::default());
        Ok(())
    }

    /// A `Usage` error unless `T` is the image's sample type.
    pub(crate) fn check_type<T: Sample>(&self) -> Result<()> {
        if T::TYPE == self.info.sample_type {
            return Ok(());
        }
        Err(self.err(DecodeError::Usage(format!(
            "asked for {} samples from a {} image",
            T::TYPE,
            self.info.sample_type
        ))))
    }
}

/// Parses the header, the image IFD and the chain after it.
fn parse_layout(data: &[u8], limits: &Limits) -> Fallible<image::Layout> {
    let header = Header::parse(data)?;
    let r = Reader {
        data,
        order: header.order,
    };
    if header.first_ifd == 0 {
        return Err(format_err!("the file has no image (first IFD offset is 0)"));
    }
    let ifd = Ifd::parse(r, header.bigtiff, header.first_ifd, limits)?;
    let v = Values {
        r,
        ifd: &ifd,
        max_tag_bytes: limits.max_tag_bytes,
    };
    let mut layout = image::assemble(&v, &header, limits)?;

    // Later IFDs: overviews and masks, counted and skipped. A damaged chain ends the count
    // (the image itself is intact), as GDAL reads the first IFD regardless.
    let mut seen = HashSet::from([header.first_ifd]);
    let mut next = ifd.next;
    while next != 0 && seen.len() < MAX_IFDS && seen.insert(next) {
        let Ok(sub) = Ifd::parse(r, header.bigtiff, next, limits) else {
            break;
        };
        let sv = Values {
            r,
            ifd: &sub,
            max_tag_bytes: limits.max_tag_bytes,
        };
        let kind = sv.uint(tags::NEW_SUBFILE_TYPE).ok().flatten().unwrap_or(0);
        let photometric = sv.uint(tags::PHOTOMETRIC).ok().flatten();
        if kind & 4 != 0 || photometric == Some(tags::PHOTOMETRIC_MASK) {
            layout.info.has_mask = true;
        } else if kind & 1 != 0 {
            layout.info.overviews += 1;
        }
        next = sub.next;
    }
    Ok(layout)
}
