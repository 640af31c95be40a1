//! Files written under a temporary name next to the target and renamed into place only when
//! complete; removed when dropped before that.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use crate::error::{Error, Result};

/// Distinguishes the temporary files of writers in one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Bytes appended between early syncs ([`Output::early_syncs`]).
const EARLY_SYNC_BYTES: u64 = 4 << 20;

/// A temporary file being written sequentially, removed on drop unless committed.
pub(crate) struct Output {
    /// The buffered file (declared first: closed before the file is removed).
    file: BufWriter<File>,
    /// Bytes written so far: the position of the next write.
    pub pos: u64,
    /// The temporary path; `None` once committed.
    temp: Option<PathBuf>,
    /// The final path, named in errors.
    target: PathBuf,
    /// Whether appends start early syncs ([`Output::early_syncs`]).
    early: bool,
    /// Bytes appended since the last early sync started.
    unsynced: u64,
    /// The early sync in flight, on a thread of its own.
    syncing: Option<JoinHandle<std::io::Result<()>>>,
}

impl Output {
    /// Creates `.<name>.<kind>-<pid>-<n>` in `target`'s folder (never an existing file).
    pub fn create(target: &Path, kind: &str) -> Result<Output> {
        let name = target.file_name().ok_or_else(|| Error::Options {
            path: target.to_owned(),
            msg: "the output path has no file name".to_owned(),
        })?;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp_name = format!(
            ".{}.{kind}-{}-{n}",
            name.to_string_lossy(),
            std::process::id()
        );
        let temp = target.with_file_name(temp_name);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|source| Error::Io {
                path: target.to_owned(),
                op: "create temporary file",
                source,
            })?;
        Ok(Output {
            file: BufWriter::with_capacity(1 << 20, file),
            pos: 0,
            temp: Some(temp),
            target: target.to_owned(),
            early: false,
            unsynced: 0,
            syncing: None,
        })
    }

    /// Makes every [`EARLY_SYNC_BYTES`] appended start a sync of the file so far on a thread
    /// of its own (one at a time), so that the sync of [`Output::commit`] finds little left
    /// to write: the disk works while the program computes. Without it the whole file went
    /// to disk at the end (the benchmark's six outputs, 54 MB: ~40 ms of waiting, syncs in
    /// parallel or not, against a run of ~1.3 s). An early sync's error is returned by the
    /// next append or by `commit`, never lost.
    pub fn early_syncs(mut self) -> Output {
        self.early = true;
        self
    }

    fn io(&self, op: &'static str) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::Io {
            path: self.target.clone(),
            op,
            source,
        }
    }

    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.file.write_all(bytes).map_err(self.io("write"))?;
        self.pos += bytes.len() as u64;
        self.unsynced += bytes.len() as u64;
        if self.early && self.unsynced >= EARLY_SYNC_BYTES {
            self.sync_early()?;
        }
        Ok(())
    }

    /// Starts a sync of everything appended so far, unless one is still running. A file
    /// handle or a thread the OS refuses means no early sync, not an error (the commit's
    /// sync still comes); the previous early sync's error is returned.
    fn sync_early(&mut self) -> Result<()> {
        if self.syncing.as_ref().is_some_and(|t| !t.is_finished()) {
            return Ok(());
        }
        self.settle()?;
        self.file.flush().map_err(self.io("write"))?;
        self.syncing = self.file.get_ref().try_clone().ok().and_then(|file| {
            std::thread::Builder::new()
                .name("rastagg-sync".into())
                .spawn(move || file.sync_data())
                .ok()
        });
        self.unsynced = 0;
        Ok(())
    }

    /// Waits for the early sync in flight, if any, and returns its error.
    fn settle(&mut self) -> Result<()> {
        let Some(thread) = self.syncing.take() else {
            return Ok(());
        };
        match thread.join() {
            Ok(synced) => synced.map_err(self.io("sync")),
            Err(_) => Err(self.io("sync")(std::io::Error::other(
                "the syncing thread failed",
            ))),
        }
    }

    /// Overwrites bytes at `offset` (inside what was written), then returns to the end.
    pub fn write_at(&mut self, offset: u64, bytes: &[u8]) -> Result<()> {
        let end = self.pos;
        self.file
            .seek(SeekFrom::Start(offset))
            .map_err(self.io("seek"))?;
        self.file.write_all(bytes).map_err(self.io("write"))?;
        self.file
            .seek(SeekFrom::Start(end))
            .map_err(self.io("seek"))?;
        Ok(())
    }

    /// Reads `len` bytes at `offset` (of what was written) into `buf`.
    pub fn read_at(&mut self, offset: u64, len: usize, buf: &mut Vec<u8>) -> Result<()> {
        self.file.flush().map_err(self.io("write"))?;
        buf.resize(len, 0);
        let (file, end) = (self.file.get_mut(), self.pos);
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.read_exact(buf))
            .and_then(|_| file.seek(SeekFrom::Start(end)).map(drop))
            .map_err(|source| Error::Io {
                path: self.target.clone(),
                op: "read back spooled tile",
                source,
            })
    }

    /// Flushes and syncs the file to disk, renames it to the target and syncs the folder, so
    /// the target appears only complete.
    pub fn commit(mut self) -> Result<()> {
        self.file.flush().map_err(self.io("write"))?;
        self.settle()?;
        self.file.get_ref().sync_all().map_err(self.io("sync"))?;
        let Some(temp) = self.temp.take() else {
            return Ok(());
        };
        if let Err(source) = std::fs::rename(&temp, &self.target) {
            self.temp = Some(temp);
            return Err(self.io("rename into place")(source));
        }
        let folder = match self.target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        File::open(&folder)
            .and_then(|d| d.sync_all())
            .map_err(self.io("sync folder"))
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            // Best effort: the error that led here is what the caller sees.
            let _ = std::fs::remove_file(temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends spanning several early syncs, an overwrite, then the commit: the target holds
    /// every byte and the temporary file is gone.
    #[test]
    fn early_syncs_keep_every_byte() -> Result<()> {
        let dir = std::env::temp_dir().join(format!("rastagg-output-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            op: "create test folder",
            source,
        })?;
        let target = dir.join("out.bin");
        let mut out = Output::create(&target, "tmp")?.early_syncs();
        let chunk: Vec<u8> = (0..=255u8).cycle().take((1 << 20) + 3).collect();
        let mut expected = Vec::new();
        for _ in 0..11 {
            out.write(&chunk)?;
            expected.extend_from_slice(&chunk);
        }
        assert!(out.syncing.is_some(), "no early sync started");
        out.write_at(5, b"head")?;
        expected[5..9].copy_from_slice(b"head");
        out.commit()?;
        let written = std::fs::read(&target).unwrap_or_default();
        let left: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(written == expected, "{} bytes read back", written.len());
        assert_eq!(left, ["out.bin"]);
        Ok(())
    }
}
