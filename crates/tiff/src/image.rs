//! Assembling and validating the description of the image from its IFD: size, sample type,
//! block layout, codec, georeferencing and GDAL metadata.

use crate::codec::Compression;
use crate::error::{DecodeError, Fallible, format_err};
use crate::gdal::{Metadata, Nodata};
use crate::header::{ByteOrder, Header};
use crate::ifd::Values;
use crate::limits::Limits;
use crate::predictor::Predictor;
use crate::{geo, tags};
use rastagg_raster::{GeoKeys, GeoTransform, SampleType, Window};

/// How the samples of a multi-band image are stored (PlanarConfiguration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interleave {
    /// 1 (chunky): every block holds all bands, pixel by pixel.
    Pixel,
    /// 2 (planar): each band has its own blocks.
    Band,
}

/// Everything known about the image (the first IFD) without decoding a pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageInfo {
    /// Width in pixels.
    pub width: u64,
    /// Height in pixels.
    pub height: u64,
    /// Number of bands (SamplesPerPixel).
    pub bands: usize,
    /// Type of every band's samples.
    pub sample_type: SampleType,
    /// Width of a block: the tile width, or the image width for strips.
    pub block_width: u64,
    /// Height of a block: the tile height, or RowsPerStrip clamped to the image height.
    pub block_height: u64,
    /// Tiles (true) or strips.
    pub tiled: bool,
    /// Compression of the blocks.
    pub compression: Compression,
    /// Predictor in effect (`None` for codecs libtiff applies no predictor to).
    pub predictor: Predictor,
    /// Pixel- or band-interleaved storage.
    pub interleave: Interleave,
    /// BigTIFF rather than classic TIFF.
    pub bigtiff: bool,
    /// The file's byte order.
    pub byte_order: ByteOrder,
    /// The geotransform as GDAL reports it (PixelIsPoint shifted by half a pixel, like GDAL).
    pub geo_transform: Option<GeoTransform>,
    /// The GeoKey directory, verbatim.
    pub geo_keys: Option<GeoKeys>,
    /// The GDAL_NODATA value, shared by all bands.
    pub nodata: Option<Nodata>,
    /// The GDAL_METADATA items.
    pub metadata: Metadata,
    /// Reduced-resolution IFDs seen after the image (skipped).
    pub overviews: usize,
    /// Whether a transparency-mask IFD was seen (skipped).
    pub has_mask: bool,
}

impl ImageInfo {
    /// Number of block columns.
    pub fn blocks_across(&self) -> u64 {
        self.width.div_ceil(self.block_width.max(1))
    }

    /// Number of block rows.
    pub fn blocks_down(&self) -> u64 {
        self.height.div_ceil(self.block_height.max(1))
    }

    /// Number of blocks of one band (`blocks_across × blocks_down`), the range of block
    /// indices the block methods take.
    pub fn blocks_per_band(&self) -> u64 {
        self.blocks_across().saturating_mul(self.blocks_down())
    }

    /// The image pixels block `index` (row-major) covers, clipped at the image's edges; `None`
    /// for an index past the last block.
    pub fn block_window(&self, index: u64) -> Option<Window> {
        let across = self.blocks_across();
        if index >= self.blocks_per_band() || across == 0 {
            return None;
        }
        let (bx, by) = (index % across, index / across);
        let x = bx.checked_mul(self.block_width)?;
        let y = by.checked_mul(self.block_height)?;
        let cols = self.block_width.min(self.width - x);
        let rows = self.block_height.min(self.height - y);
        Some(Window::new(x, y, cols, rows))
    }

    /// The EPSG code of the CRS (ProjectedCSType, else GeographicType), when it has one.
    pub fn epsg(&self) -> Option<u16> {
        self.geo_keys.as_ref().and_then(GeoKeys::epsg)
    }

    /// Samples per pixel stored in one block: all bands when pixel-interleaved, else 1.
    pub(crate) fn block_spp(&self) -> u64 {
        match self.interleave {
            Interleave::Pixel => self.bands as u64,
            Interleave::Band => 1,
        }
    }
}

/// The image's description plus where its blocks are stored.
pub(crate) struct Layout {
    pub info: ImageInfo,
    /// File offset of every block (all bands' blocks in turn when band-interleaved).
    pub offsets: Vec<u64>,
    /// Stored byte count of every block.
    pub counts: Vec<u64>,
}

/// The sample type of a BitsPerSample/SampleFormat pair, or an error naming the layout.
fn sample_type(bits: u64, format: u64) -> Fallible<SampleType> {
    use SampleType::*;
    let t = match (format, bits) {
        (1 | 4, 8) => U8,
        (2, 8) => I8,
        (1 | 4, 16) => U16,
        (2, 16) => I16,
        (1 | 4, 32) => U32,
        (2, 32) => I32,
        (1 | 4, 64) => U64,
        (2, 64) => I64,
        (3, 32) => F32,
        (3, 64) => F64,
        (_, 0) => return Err(format_err!("BitsPerSample is 0")),
        _ => {
            let kind = match format {
                1 | 4 => "unsigned integer",
                2 => "signed integer",
                3 => "floating point",
                5 => "complex integer",
                6 => "complex floating point",
                _ => return Err(format_err!("unknown SampleFormat {format}")),
            };
            return Err(DecodeError::Unsupported(format!(
                "unsupported sample type: {bits}-bit {kind}"
            )));
        }
    };
    Ok(t)
}

/// All values of a per-sample tag, checked to be equal; `default` when absent.
fn per_sample(v: &Values<'_>, tag: u16, name: &str, default: u64) -> Fallible<u64> {
    let values = v.uints(tag)?.unwrap_or_default();
    let first = values.first().copied().unwrap_or(default);
    if values.iter().any(|&x| x != first) {
        return Err(DecodeError::Unsupported(format!(
            "bands with different {name} ({values:?})"
        )));
    }
    Ok(first)
}

/// Builds the [`Layout`] of the image IFD read through `v`.
pub(crate) fn assemble(v: &Values<'_>, header: &Header, limits: &Limits) -> Fallible<Layout> {
    let required = |tag: u16, name: &str| -> Fallible<u64> {
        v.uint(tag)?
            .ok_or_else(|| format_err!("missing {name} tag"))
    };
    let width = required(tags::IMAGE_WIDTH, "ImageWidth")?;
    let height = required(tags::IMAGE_LENGTH, "ImageLength")?;
    if width == 0 || height == 0 {
        return Err(format_err!("empty image ({width}x{height})"));
    }
    let compression = Compression::from_code(v.uint(tags::COMPRESSION)?.unwrap_or(1))?;
    match v.uint(tags::PHOTOMETRIC)? {
        Some(6) => {
            return Err(DecodeError::Unsupported(
                "unsupported YCbCr photometric".into(),
            ));
        }
        Some(p @ (8..=10 | 32844 | 32845)) => {
            return Err(DecodeError::Unsupported(format!(
                "unsupported photometric interpretation {p}"
            )));
        }
        _ => {}
    }
    let spp = v.uint(tags::SAMPLES_PER_PIXEL)?.unwrap_or(1);
    if spp == 0 || spp > u64::from(u16::MAX) {
        return Err(format_err!("bad SamplesPerPixel {spp}"));
    }
    let bands = usize::try_from(spp).map_err(|_| format_err!("SamplesPerPixel {spp}"))?;
    let bits = per_sample(v, tags::BITS_PER_SAMPLE, "BitsPerSample", 1)?;
    let format = per_sample(v, tags::SAMPLE_FORMAT, "SampleFormat", 1)?;
    let sample_type = sample_type(bits, format)?;
    let planar_code = v.uint(tags::PLANAR_CONFIGURATION)?.unwrap_or(1);
    let interleave = match planar_code {
        2 if spp > 1 => Interleave::Band,
        1 | 2 => Interleave::Pixel,
        p => return Err(format_err!("bad PlanarConfiguration {p}")),
    };
    let predictor = Predictor::from_code(v.uint(tags::PREDICTOR)?.unwrap_or(1))?;
    let predictor = if compression.takes_predictor() {
        predictor
    } else {
        Predictor::None
    };
    if predictor == Predictor::FloatingPoint && !sample_type.is_float() {
        return Err(DecodeError::Unsupported(format!(
            "floating-point predictor on {sample_type} data"
        )));
    }

    let tile = (v.uint(tags::TILE_WIDTH)?, v.uint(tags::TILE_LENGTH)?);
    let rows_per_strip = v.uint(tags::ROWS_PER_STRIP)?.unwrap_or(u64::from(u32::MAX));
    let (tiled, block_width, block_height, offsets_tag, counts_tag) = match tile {
        (Some(tw), Some(th)) => {
            if tw == 0 || th == 0 {
                return Err(format_err!("bad tile size {tw}x{th}"));
            }
            (true, tw, th, tags::TILE_OFFSETS, tags::TILE_BYTE_COUNTS)
        }
        (None, None) => {
            if rows_per_strip == 0 {
                return Err(format_err!("RowsPerStrip is 0"));
            }
            (
                false,
                width,
                rows_per_strip.min(height),
                tags::STRIP_OFFSETS,
                tags::STRIP_BYTE_COUNTS,
            )
        }
        _ => return Err(format_err!("only one of TileWidth and TileLength present")),
    };

    let keys = geo::geo_keys(v)?;
    let geo_transform = geo::geo_transform(v, keys.as_ref())?;
    let nodata = v
        .text(tags::GDAL_NODATA)?
        .map(|t| Nodata::parse(&t, sample_type));
    let metadata = Metadata::parse(v.text(tags::GDAL_METADATA)?.as_deref(), bands);

    let info = ImageInfo {
        width,
        height,
        bands,
        sample_type,
        block_width,
        block_height,
        tiled,
        compression,
        predictor,
        interleave,
        bigtiff: header.bigtiff,
        byte_order: header.order,
        geo_transform,
        geo_keys: keys,
        nodata,
        metadata,
        overviews: 0,
        has_mask: false,
    };

    let planes = if interleave == Interleave::Band {
        spp
    } else {
        1
    };
    let blocks = info
        .blocks_across()
        .checked_mul(info.blocks_down())
        .and_then(|n| n.checked_mul(planes))
        .ok_or_else(|| format_err!("absurd number of blocks"))?;
    let block_bytes = |info: &ImageInfo| {
        info.block_width
            .checked_mul(info.block_height)
            .and_then(|n| n.checked_mul(info.block_spp()))
            .and_then(|n| n.checked_mul(sample_type.size() as u64))
    };
    let offsets = v.uints(offsets_tag)?.ok_or_else(|| {
        format_err!(
            "missing {} tag",
            if tiled { "TileOffsets" } else { "StripOffsets" }
        )
    })?;
    let counts = match v.uints(counts_tag)? {
        Some(c) => c,
        // libtiff estimates missing byte counts of uncompressed data: every block full.
        None if compression == Compression::None => {
            vec![block_bytes(&info).unwrap_or(u64::MAX); offsets.len()]
        }
        None => {
            return Err(format_err!(
                "missing {} tag",
                if tiled {
                    "TileByteCounts"
                } else {
                    "StripByteCounts"
                }
            ));
        }
    };
    let have = offsets.len().min(counts.len()) as u64;
    if have < blocks {
        return Err(format_err!(
            "{blocks} blocks expected but only {} offsets and {} byte counts present",
            offsets.len(),
            counts.len()
        ));
    }
    let mut layout = Layout {
        info,
        offsets,
        counts,
    };
    if !tiled && compression == Compression::None && planar_code == 1 && blocks == 1 {
        chop_single_strip(&mut layout, rows_per_strip, v.r.data.len() as u64, limits);
    }
    let info = &layout.info;
    if block_bytes(info).is_none_or(|n| n > limits.max_block_bytes) {
        return Err(DecodeError::Limit(format!(
            "blocks of {}x{} pixels x {} samples of {sample_type} exceed the {}-byte block limit",
            info.block_width,
            info.block_height,
            info.block_spp(),
            limits.max_block_bytes
        )));
    }
    Ok(layout)
}

/// libtiff's ChopUpSingleUncompressedStrip, which GDAL sees: an uncompressed, pixel-interleaved
/// image stored as one strip is read as strips of about 8 KiB (at least one row), consecutive
/// in the file; strips past the stored byte count are sparse. GDAL reports this block size
/// and reads only the rows it needs, so we do the same.
fn chop_single_strip(layout: &mut Layout, rows_per_strip: u64, file_len: u64, limits: &Limits) {
    const STRIP_SIZE_DEFAULT: u64 = 8192;
    let info = &mut layout.info;
    let (Some(&offset), Some(&count)) = (layout.offsets.first(), layout.counts.first()) else {
        return;
    };
    let Some(scanline) = info
        .width
        .checked_mul(info.bands as u64)
        .and_then(|n| n.checked_mul(info.sample_type.size() as u64))
    else {
        return;
    };
    let (rows, strip_bytes) = match scanline {
        0 => return,
        s if s > STRIP_SIZE_DEFAULT => (1, s),
        s => (STRIP_SIZE_DEFAULT / s, STRIP_SIZE_DEFAULT / s * s),
    };
    if rows >= rows_per_strip {
        return;
    }
    let strips = info.height.div_ceil(rows);
    if strips > 1_000_000
        && (offset >= file_len || strip_bytes > (file_len - offset) / (strips - 1))
    {
        return;
    }
    if strips.saturating_mul(16) > limits.max_tag_bytes {
        return;
    }
    let (mut offsets, mut counts) = (Vec::new(), Vec::new());
    let (mut at, mut left) = (offset, count);
    for _ in 0..strips {
        let n = strip_bytes.min(left);
        offsets.push(if n > 0 { at } else { 0 });
        counts.push(n);
        at = at.saturating_add(n);
        left -= n;
    }
    info.block_height = rows.min(info.height);
    layout.offsets = offsets;
    layout.counts = counts;
}
