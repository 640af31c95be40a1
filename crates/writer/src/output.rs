//! Files written under a temporary name next to the target and renamed into place only when
//! complete; removed when dropped before that.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Distinguishes the temporary files of writers in one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

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
        })
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
        Ok(())
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
