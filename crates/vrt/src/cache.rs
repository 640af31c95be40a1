//! The bounded cache of open sources: a VRT of 100 000 tiles keeps at most a few hundred files
//! (memory maps) open, least recently used first out. The lock guards only the map; opening
//! and decoding happen outside it, so many threads read at once.

use crate::dataset::VrtDataset;
use crate::error::Result;
use rastagg_tiff::TiffFile;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// An open source: a GeoTIFF, or a VRT nested inside the VRT.
#[derive(Debug, Clone)]
pub(crate) enum Opened {
    /// A mapped GeoTIFF.
    Tiff(Arc<TiffFile>),
    /// A nested VRT (read through the root's cache).
    Vrt(Arc<VrtDataset>),
}

#[derive(Debug, Default)]
struct State {
    clock: u64,
    open: HashMap<PathBuf, (Opened, u64)>,
    /// Sources that failed to open and are read as nodata (only with the option set).
    failed: HashSet<PathBuf>,
    warnings: Vec<String>,
}

/// Open sources keyed by path, at most `capacity` of them, plus the warnings of the read.
#[derive(Debug)]
pub(crate) struct SourceCache {
    capacity: usize,
    state: Mutex<State>,
}

impl SourceCache {
    /// An empty cache holding at most `capacity` (≥ 1) open sources.
    pub fn new(capacity: usize) -> SourceCache {
        SourceCache {
            capacity: capacity.max(1),
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a plain map updated in single statements: still consistent if another
        // thread panicked while holding the lock.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The open source at `path`, opening it with `open` on a miss. With `missing_as_nodata`,
    /// a source that fails to open gives `Ok(None)` (now and on every later call) and one
    /// warning; otherwise its error.
    pub fn get(
        &self,
        path: &Path,
        missing_as_nodata: bool,
        open: impl FnOnce() -> Result<Opened>,
    ) -> Result<Option<Opened>> {
        {
            let mut s = self.lock();
            s.clock += 1;
            let now = s.clock;
            if let Some((opened, used)) = s.open.get_mut(path) {
                *used = now;
                return Ok(Some(opened.clone()));
            }
            if s.failed.contains(path) {
                return Ok(None);
            }
        }
        let opened = match open() {
            Ok(o) => o,
            Err(e) if missing_as_nodata => {
                let mut s = self.lock();
                if s.failed.insert(path.to_path_buf()) {
                    s.warnings.push(format!("{e}; read as nodata"));
                }
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let mut s = self.lock();
        if !s.open.contains_key(path) && s.open.len() >= self.capacity {
            let oldest = s
                .open
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(p, _)| p.clone());
            if let Some(p) = oldest {
                s.open.remove(&p);
            }
        }
        let now = s.clock;
        s.open.insert(path.to_path_buf(), (opened.clone(), now));
        Ok(Some(opened))
    }

    /// How many sources are open now (held by the cache).
    pub fn open_count(&self) -> usize {
        self.lock().open.len()
    }

    /// The warnings collected so far.
    pub fn warnings(&self) -> Vec<String> {
        self.lock().warnings.clone()
    }
}
