//! [`VrtDataset`]: a VRT opened for reading, with the same shape of API as the GeoTIFF reader.

use crate::cache::{Opened, SourceCache};
use crate::error::{Error, Result};
use crate::geometry::{self, Rect};
use crate::index::SpatialIndex;
use crate::model::{self, Problem, SourceKind};
use crate::paint;
use crate::srs::Srs;
use rastagg_raster::{GeoKeys, GeoTransform, Sample, SampleType, Window, lcm, with_sample_type};
use rastagg_tiff::{Limits, TiffFile};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Largest VRT file accepted (a VRT of 100 000 sources is about 60 MB).
const MAX_VRT_BYTES: u64 = 1 << 30;
/// How many source files [`VrtDataset::geo_keys`] opens looking for one in the VRT's CRS, and
/// [`VrtDataset::block_size`] to learn how the sources are cut into blocks.
const SCAN_LIMIT: usize = 64;
/// Largest block height or width [`VrtDataset::block_size`] reports (a guard on their
/// multiples).
const MAX_BLOCK_SIZE: u64 = 1 << 20;

/// Rows or columns: which way a question about the sources' blocks looks.
#[derive(Debug, Clone, Copy)]
enum Axis {
    Rows,
    Cols,
}

/// Whether source `s` maps `axis` one to one from whole positions, a block of `step` starting
/// at a multiple of `step` of the VRT ([`VrtDataset::block_size`]): reads cut at multiples of
/// it then give the same values as any other cuts (a fractional or scaled source's nearest
/// pixels depend on where a read starts).
fn lines_up(s: &Source, axis: Axis, step: u64) -> bool {
    let (src_off, src_size, dst_off, dst_size) = match axis {
        Axis::Rows => (s.src.y_off, s.src.y_size, s.dst.y_off, s.dst.y_size),
        Axis::Cols => (s.src.x_off, s.src.x_size, s.dst.x_off, s.dst.x_size),
    };
    let whole = [src_off, src_size, dst_off]
        .iter()
        .all(|v| v.fract() == 0.0);
    let offset = dst_off - src_off;
    whole && src_size == dst_size && offset.rem_euclid(step as f64) == 0.0
}

/// How reads of a VRT band should be cut so that no source block is decoded twice
/// ([`VrtDataset::block_size`]): multiples of these rows and columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlockSize {
    /// Rows, or `None` when the sources' blocks do not line up along the rows.
    pub height: Option<u64>,
    /// Columns, or `None` when the sources' blocks do not line up along the columns.
    pub width: Option<u64>,
}

/// How a VRT is opened and read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VrtOptions {
    /// Read a source that is missing or unreadable as nodata (recording a warning, see
    /// [`VrtDataset::warnings`]) instead of failing. Default false.
    pub missing_as_nodata: bool,
    /// Most sources kept open (mapped) at once, least recently used closed first. Default 256.
    pub max_open_sources: usize,
    /// Most levels of VRTs nested inside VRTs (the top VRT is level 1). Default 8.
    pub max_depth: usize,
    /// Limits passed to the GeoTIFF reader for every source; `max_window_bytes` also bounds
    /// [`VrtDataset::read_window`].
    pub limits: Limits,
}

impl Default for VrtOptions {
    fn default() -> VrtOptions {
        VrtOptions {
            missing_as_nodata: false,
            max_open_sources: 256,
            max_depth: 8,
            limits: Limits::default(),
        }
    }
}

/// One band of the VRT.
#[derive(Debug)]
struct Band {
    sample_type: SampleType,
    nodata: Option<f64>,
    hide_nodata: bool,
    offset: Option<f64>,
    scale: Option<f64>,
    sources: Vec<Source>,
    index: SpatialIndex,
}

/// One source of a band, with its file resolved.
#[derive(Debug)]
pub(crate) struct Source {
    pub path: PathBuf,
    pub is_vrt: bool,
    pub band: usize,
    pub src: Rect,
    pub dst: Rect,
    pub resampled: Option<String>,
    pub kind: SourceKind,
}

/// A GDAL VRT mosaic opened for reading: one virtual raster over any number of GeoTIFF (or
/// nested VRT) sources, read window by window as if it were one file.
///
/// Opening parses and validates the XML only; sources are opened lazily, when a read first
/// touches them, through a bounded cache. Reads take `&self` and may run on many threads at
/// once. Every read equals GDAL 3.6's read of the same window, value for value.
#[derive(Debug)]
pub struct VrtDataset {
    path: PathBuf,
    width: u64,
    height: u64,
    srs: Option<Srs>,
    geo_transform: Option<GeoTransform>,
    bands: Vec<Band>,
    options: VrtOptions,
    /// This VRT and the VRTs above it (canonical paths), to refuse cycles.
    chain: Vec<PathBuf>,
    cache: SourceCache,
    geo_keys: OnceLock<Option<GeoKeys>>,
}

impl VrtDataset {
    /// Opens `path` with default [`VrtOptions`].
    pub fn open(path: impl AsRef<Path>) -> Result<VrtDataset> {
        VrtDataset::open_with(path, VrtOptions::default())
    }

    /// Opens `path` with `options`: reads and validates the XML, resolves source paths and
    /// indexes the sources. Sources are not opened yet (except those without SrcRect/DstRect
    /// and SourceProperties, whose size is needed now).
    pub fn open_with(path: impl AsRef<Path>, options: VrtOptions) -> Result<VrtDataset> {
        VrtDataset::open_nested(path.as_ref(), options, &[])
    }

    fn open_nested(path: &Path, options: VrtOptions, above: &[PathBuf]) -> Result<VrtDataset> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let canonical = std::fs::canonicalize(path).map_err(io)?;
        if above.contains(&canonical) {
            let mut names: Vec<String> = above.iter().map(|p| p.display().to_string()).collect();
            names.push(canonical.display().to_string());
            return Err(Error::Limit {
                path: path.to_path_buf(),
                msg: format!("VRT cycle: {}", names.join(" -> ")),
            });
        }
        if above.len() >= options.max_depth {
            return Err(Error::Limit {
                path: path.to_path_buf(),
                msg: format!("VRTs nested deeper than {} levels", options.max_depth),
            });
        }
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > MAX_VRT_BYTES {
            return Err(Error::Limit {
                path: path.to_path_buf(),
                msg: format!("VRT file of {len} bytes (limit {MAX_VRT_BYTES})"),
            });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        VrtDataset::parse(path, canonical, &text, options, above)
    }

    /// Parses VRT XML held in memory as if it had been read from `path`, which names the VRT in
    /// errors and anchors sources `relativeToVRT`; the file need not exist. For fuzzing, tests
    /// and VRTs built in memory. Sources are opened lazily, as with [`VrtDataset::open_with`].
    pub fn from_xml(path: impl AsRef<Path>, xml: &str, options: VrtOptions) -> Result<VrtDataset> {
        let path = path.as_ref();
        let canonical = std::path::absolute(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        VrtDataset::parse(path, canonical, xml, options, &[])
    }

    /// Builds the dataset from the XML `text` of the VRT at `path` (`canonical`: its absolute
    /// form, for cycle checks and relative sources), nested below the VRTs `above`.
    fn parse(
        path: &Path,
        canonical: PathBuf,
        text: &str,
        options: VrtOptions,
        above: &[PathBuf],
    ) -> Result<VrtDataset> {
        let problem = |p: Problem| match p {
            Problem::Format(msg) => Error::Format {
                path: path.to_path_buf(),
                msg,
            },
            Problem::Unsupported(msg) => Error::Unsupported {
                path: path.to_path_buf(),
                msg,
            },
            Problem::Limit(msg) => Error::Limit {
                path: path.to_path_buf(),
                msg,
            },
        };
        let doc = model::parse(text).map_err(problem)?;
        let mut chain = above.to_vec();
        chain.push(canonical.clone());
        let mut ds = VrtDataset {
            path: path.to_path_buf(),
            width: doc.width,
            height: doc.height,
            srs: doc.srs,
            geo_transform: doc.geo_transform,
            bands: Vec::new(),
            options,
            chain,
            cache: SourceCache::new(options.max_open_sources),
            geo_keys: OnceLock::new(),
        };
        let dir = canonical
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        for def in doc.bands {
            let mut sources = Vec::with_capacity(def.sources.len());
            for s in def.sources {
                let file = if s.relative {
                    dir.join(&s.filename)
                } else {
                    PathBuf::from(&s.filename)
                };
                if file == canonical {
                    return Err(Error::Limit {
                        path: path.to_path_buf(),
                        msg: format!("VRT cycle: the VRT is its own source {}", s.filename),
                    });
                }
                let is_vrt = file
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("vrt"));
                let rects = match (s.rects, s.declared_size) {
                    (Some(r), _) => Some(r),
                    (None, Some((w, h))) => Some(whole(w, h)),
                    (None, None) => ds.source_size(&file, is_vrt)?.map(|(w, h)| whole(w, h)),
                };
                let Some((src, dst)) = rects else { continue };
                sources.push(Source {
                    path: file,
                    is_vrt,
                    band: s.band,
                    src,
                    dst,
                    resampled: s.resampled,
                    kind: s.kind,
                });
            }
            let footprints: Vec<Option<Window>> = sources
                .iter()
                .map(|s| s.dst.pixel_bounds(doc.width, doc.height))
                .collect();
            ds.bands.push(Band {
                sample_type: def.sample_type,
                nodata: def.nodata,
                hide_nodata: def.hide_nodata,
                offset: def.offset,
                scale: def.scale,
                index: SpatialIndex::build(&footprints, doc.width, doc.height),
                sources,
            });
        }
        Ok(ds)
    }

    /// Size of a source given without SrcRect/DstRect: opened now. `None` when it is missing
    /// and missing sources are read as nodata.
    fn source_size(&self, file: &Path, is_vrt: bool) -> Result<Option<(u64, u64)>> {
        Ok(self
            .open_source(&self.cache, file, is_vrt)?
            .map(|o| match o {
                Opened::Tiff(t) => (t.info().width, t.info().height),
                Opened::Vrt(v) => (v.width, v.height),
            }))
    }

    /// The source at `file`, from `cache` or opened now.
    fn open_source(
        &self,
        cache: &SourceCache,
        file: &Path,
        is_vrt: bool,
    ) -> Result<Option<Opened>> {
        let options = self.options;
        cache.get(file, options.missing_as_nodata, || {
            if is_vrt {
                VrtDataset::open_nested(file, options, &self.chain)
                    .map(|v| Opened::Vrt(Arc::new(v)))
            } else {
                TiffFile::open_with_limits(file, options.limits)
                    .map(|t| Opened::Tiff(Arc::new(t)))
                    .map_err(|source| Error::Source {
                        vrt: self.path.clone(),
                        source,
                    })
            }
        })
    }

    /// The VRT file's path as given to `open`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Width in pixels (`rasterXSize`).
    pub fn width(&self) -> u64 {
        self.width
    }

    /// Height in pixels (`rasterYSize`).
    pub fn height(&self) -> u64 {
        self.height
    }

    /// Number of bands.
    pub fn bands(&self) -> usize {
        self.bands.len()
    }

    /// The sample type of band 0 (a GeoTIFF has one type for all bands; a VRT may not, see
    /// [`VrtDataset::band_sample_type`]).
    pub fn sample_type(&self) -> SampleType {
        self.bands.first().map_or(SampleType::U8, |b| b.sample_type)
    }

    /// The sample type (`dataType`) of `band` (0-based), or `None` if there is no such band.
    pub fn band_sample_type(&self, band: usize) -> Option<SampleType> {
        self.bands.get(band).map(|b| b.sample_type)
    }

    /// The `<GeoTransform>`, when given.
    pub fn geo_transform(&self) -> Option<GeoTransform> {
        self.geo_transform
    }

    /// The nodata value of `band` (0-based) as GDAL reports it: the band's `<NoDataValue>`,
    /// unless `<HideNoDataValue>` is set. (Cells no source covers hold the NoDataValue, or 0,
    /// either way.)
    pub fn nodata(&self, band: usize) -> Option<f64> {
        self.bands
            .get(band)
            .filter(|b| !b.hide_nodata)
            .and_then(|b| b.nodata)
    }

    /// The band's `<Offset>` and `<Scale>` (metadata only: reads return raw values, as GDAL's).
    pub fn offset_scale(&self, band: usize) -> (Option<f64>, Option<f64>) {
        self.bands
            .get(band)
            .map_or((None, None), |b| (b.offset, b.scale))
    }

    /// The `<SRS>`: its text, EPSG code and kind.
    pub fn srs(&self) -> Option<&Srs> {
        self.srs.as_ref()
    }

    /// The EPSG code of the VRT's CRS, when its SRS names one.
    pub fn epsg(&self) -> Option<u32> {
        self.srs.as_ref().and_then(|s| s.epsg)
    }

    /// Number of sources over all bands.
    pub fn source_count(&self) -> usize {
        self.bands.iter().map(|b| b.sources.len()).sum()
    }

    /// Number of distinct source files.
    pub fn file_count(&self) -> usize {
        let mut paths: Vec<&Path> = self
            .bands
            .iter()
            .flat_map(|b| b.sources.iter().map(|s| s.path.as_path()))
            .collect();
        paths.sort_unstable();
        paths.dedup();
        paths.len()
    }

    /// Sources open (mapped) right now; never more than [`VrtOptions::max_open_sources`] held
    /// by the cache.
    pub fn open_sources(&self) -> usize {
        self.cache.open_count()
    }

    /// Warnings collected so far (sources read as nodata with
    /// [`VrtOptions::missing_as_nodata`]); the library never prints.
    pub fn warnings(&self) -> Vec<String> {
        self.cache.warnings()
    }

    /// The GeoKeys to write to outputs: those of the first source whose CRS has the VRT's
    /// EPSG code (any source's when the VRT's SRS names no code), else GeoKeys built from the
    /// VRT's EPSG code; `None` without an SRS. Opens at most a few dozen sources, once.
    pub fn geo_keys(&self) -> Result<Option<GeoKeys>> {
        if let Some(k) = self.geo_keys.get() {
            return Ok(k.clone());
        }
        let keys = self.find_geo_keys(&self.cache)?;
        Ok(self.geo_keys.get_or_init(|| keys).clone())
    }

    /// How reads of `band` should cut the VRT so that no source block is decoded by two
    /// reads: along each axis, the least common multiple of the sources' block (or strip)
    /// sizes, when every source maps that axis one to one from whole positions and starts a
    /// block at a multiple of it; `None` along an axis otherwise (nested VRTs, resampled or
    /// fractional sources, tiles whose blocks do not line up). Opens at most [`SCAN_LIMIT`]
    /// distinct files: the others are taken to be cut as those are, as a mosaic's tiles are,
    /// and only their rects are checked. Along an axis where it is `Some`, reads cut anywhere
    /// return the same values (GDAL's nearest pixels of a scaled or fractional source depend
    /// on the cuts).
    pub fn block_size(&self, band: usize) -> BlockSize {
        let Some(sources) = self.bands.get(band).map(|b| &b.sources) else {
            return BlockSize::default();
        };
        let mut seen: Vec<&Path> = Vec::new();
        let (mut rows, mut cols) = (Some(1u64), Some(1u64));
        let grow =
            |step: Option<u64>, block| step.map(|m| lcm(m, block)).filter(|&m| m <= MAX_BLOCK_SIZE);
        for s in sources {
            // (Once neither axis can line up, no other file can change that.)
            if seen.len() >= SCAN_LIMIT || (rows.is_none() && cols.is_none()) {
                break;
            }
            if seen.contains(&s.path.as_path()) {
                continue;
            }
            seen.push(&s.path);
            let Ok(Some(Opened::Tiff(t))) = self.open_source(&self.cache, &s.path, s.is_vrt) else {
                return BlockSize::default();
            };
            rows = grow(rows, t.info().block_height);
            cols = grow(cols, t.info().block_width);
        }
        let along = |step: Option<u64>, axis| {
            step.filter(|&m| sources.iter().all(|s| lines_up(s, axis, m)))
        };
        BlockSize {
            height: along(rows, Axis::Rows),
            width: along(cols, Axis::Cols),
        }
    }

    fn find_geo_keys(&self, cache: &SourceCache) -> Result<Option<GeoKeys>> {
        let Some(srs) = &self.srs else {
            return Ok(None);
        };
        let mut seen: Vec<&Path> = Vec::new();
        for s in self.bands.iter().flat_map(|b| &b.sources) {
            if seen.len() >= SCAN_LIMIT {
                break;
            }
            if seen.contains(&s.path.as_path()) {
                continue;
            }
            seen.push(&s.path);
            let keys = match self.open_source(cache, &s.path, s.is_vrt)? {
                Some(Opened::Tiff(t)) => t.info().geo_keys.clone(),
                Some(Opened::Vrt(v)) => v.find_geo_keys(cache)?,
                None => None,
            };
            if let Some(k) = keys {
                match srs.epsg {
                    None => return Ok(Some(k)),
                    Some(code) if k.epsg().map(u32::from) == Some(code) => return Ok(Some(k)),
                    Some(_) => {}
                }
            }
        }
        Ok(srs.geo_keys())
    }

    fn band(&self, band: usize) -> Result<&Band> {
        self.bands.get(band).ok_or_else(|| Error::Usage {
            path: self.path.clone(),
            msg: format!(
                "band {band} out of range (the VRT has {} bands, numbered from 0)",
                self.bands.len()
            ),
        })
    }

    /// Checks `T`, the window and the buffer length; returns the window's pixel count.
    fn check<T: Sample>(&self, band: usize, window: Window) -> Result<usize> {
        let b = self.band(band)?;
        let usage = |msg: String| Error::Usage {
            path: self.path.clone(),
            msg,
        };
        if T::TYPE != b.sample_type {
            return Err(usage(format!(
                "band {band} is {}, not {}",
                b.sample_type,
                T::TYPE
            )));
        }
        if !window.fits_in(self.width, self.height) {
            return Err(usage(format!(
                "window {window:?} outside the {}x{} raster",
                self.width, self.height
            )));
        }
        let len = window
            .len()
            .ok_or_else(|| usage(format!("window {window:?} too large")))?;
        let bytes = (len as u64).saturating_mul(T::SIZE as u64);
        if bytes > self.options.limits.max_window_bytes {
            return Err(Error::Limit {
                path: self.path.clone(),
                msg: format!(
                    "window of {bytes} bytes exceeds the limit {}",
                    self.options.limits.max_window_bytes
                ),
            });
        }
        Ok(len)
    }

    /// Reads `window` of `band` (0-based) as a new row-major buffer. `T` must be the band's
    /// sample type.
    pub fn read_window<T: Sample>(&self, band: usize, window: Window) -> Result<Vec<T>> {
        let len = self.check::<T>(band, window)?;
        let mut out = vec![T::default(); len];
        self.read_into(&self.cache, band, window, &mut out)?;
        Ok(out)
    }

    /// Reads `window` of `band` into `out` (exactly `window.cols × window.rows` values,
    /// row-major). `T` must be the band's sample type.
    pub fn read_window_into<T: Sample>(
        &self,
        band: usize,
        window: Window,
        out: &mut [T],
    ) -> Result<()> {
        let len = self.check::<T>(band, window)?;
        if out.len() != len {
            return Err(Error::Usage {
                path: self.path.clone(),
                msg: format!("buffer of {} values for a window of {len}", out.len()),
            });
        }
        self.read_into(&self.cache, band, window, out)
    }

    /// Reads `window` of `band` converted to f64, whatever the band's type.
    pub fn read_window_f64(&self, band: usize, window: Window) -> Result<Vec<f64>> {
        let sample_type = self.band(band)?.sample_type;
        with_sample_type!(sample_type, T => Ok(self
            .read_window::<T>(band, window)?
            .into_iter()
            .map(Sample::to_f64)
            .collect()))
    }

    /// The read itself, with the sources opened through `cache` (the top VRT's, for nested
    /// VRTs). `out` is already checked.
    pub(crate) fn read_into<T: Sample>(
        &self,
        cache: &SourceCache,
        band: usize,
        window: Window,
        out: &mut [T],
    ) -> Result<()> {
        let b = self.band(band)?;
        out.fill(crate::convert::from_f64(b.nodata.unwrap_or(0.0)));
        for id in b.index.query(&window) {
            let Some(source) = b.sources.get(id as usize) else {
                continue;
            };
            self.paint_source(cache, source, window, out)?;
        }
        Ok(())
    }

    fn paint_source<T: Sample>(
        &self,
        cache: &SourceCache,
        s: &Source,
        req: Window,
        out: &mut [T],
    ) -> Result<()> {
        if !geometry::touches(&s.dst, req) {
            return Ok(());
        }
        let Some(opened) = self.open_source(cache, &s.path, s.is_vrt)? else {
            return Ok(());
        };
        let (w, h, bands, stype, overviews) = match &opened {
            Opened::Tiff(t) => {
                let i = t.info();
                (i.width, i.height, i.bands, i.sample_type, i.overviews)
            }
            Opened::Vrt(v) => (
                v.width,
                v.height,
                v.bands(),
                v.band_sample_type(s.band).unwrap_or(SampleType::U8),
                0,
            ),
        };
        if s.band >= bands {
            return Err(Error::Format {
                path: self.path.clone(),
                msg: format!(
                    "source {} has {bands} band(s), SourceBand {} asked",
                    s.path.display(),
                    s.band + 1
                ),
            });
        }
        let Some(plan) = geometry::plan(w, h, &s.src, &s.dst, req) else {
            return Ok(());
        };
        let unsupported = |what: String| Error::Unsupported {
            path: self.path.clone(),
            msg: what,
        };
        if !plan.exact {
            if let Some(r) = &s.resampled {
                return Err(unsupported(format!(
                    "unsupported resampling {r:?} of source {}",
                    s.path.display()
                )));
            }
            if s.is_vrt {
                return Err(unsupported(format!(
                    "unsupported resampled VRT source {}",
                    s.path.display()
                )));
            }
        }
        if plan.downsampled && overviews > 0 {
            return Err(unsupported(format!(
                "unsupported: source {} is downsampled and has overviews (GDAL would read them)",
                s.path.display()
            )));
        }
        let reader = SourceReader {
            vrt: self,
            cache,
            opened: &opened,
            band: s.band,
        };
        paint::paint(&reader, stype, &s.kind, &plan, req.cols, out)
    }
}

/// The whole source at the VRT's origin: SrcRect = DstRect = (0, 0, w, h).
fn whole(w: u64, h: u64) -> (Rect, Rect) {
    let r = Rect::snapped(0.0, 0.0, w as f64, h as f64);
    (r, r)
}

/// Reads windows of one band of one open source.
pub(crate) struct SourceReader<'a> {
    vrt: &'a VrtDataset,
    cache: &'a SourceCache,
    opened: &'a Opened,
    band: usize,
}

impl SourceReader<'_> {
    /// The VRT being read (for error messages).
    pub fn vrt_path(&self) -> &Path {
        &self.vrt.path
    }

    /// The source's block width (None for a nested VRT).
    pub fn block_width(&self) -> Option<u64> {
        match self.opened {
            Opened::Tiff(t) => Some(t.info().block_width),
            Opened::Vrt(_) => None,
        }
    }

    /// `window` of the source band as `S` (the source's sample type).
    pub fn read<S: Sample>(&self, window: Window) -> Result<Vec<S>> {
        let len = window.len().ok_or_else(|| Error::Limit {
            path: self.vrt.path.clone(),
            msg: format!("source window {window:?} too large"),
        })?;
        let mut data = vec![S::default(); len];
        self.read_into(window, &mut data)?;
        Ok(data)
    }

    /// `window` of the source band into `out`.
    pub fn read_into<S: Sample>(&self, window: Window, out: &mut [S]) -> Result<()> {
        match self.opened {
            Opened::Tiff(t) => t
                .read_window_into(self.band, window, out)
                .map_err(|source| Error::Source {
                    vrt: self.vrt.path.clone(),
                    source,
                }),
            Opened::Vrt(v) => {
                v.check::<S>(self.band, window)?;
                v.read_into(self.cache, self.band, window, out)
            }
        }
    }
}
