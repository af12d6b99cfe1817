#include "atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

namespace fs {
namespace {

constexpr int kTempNameTries = 64;

std::string ParentDir(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// A name no file has yet: "<target>.<16 hex digits>.tmp".
std::string TempCandidate(const std::string& path, std::random_device& random) {
  const uint64_t bits = (static_cast<uint64_t>(random()) << 32) ^ random() ^ static_cast<uint64_t>(getpid());
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".%016llx.tmp", static_cast<unsigned long long>(bits));
  return path + suffix;
}

}  // namespace

AtomicFile::AtomicFile(const std::string& path) : path_(path) {
  if (path.empty()) throw FileWriteError("cannot save: the output path is empty");
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    throw FileWriteError(path + ": cannot save: it is a directory; name a file");
  std::random_device random;
  for (int attempt = 0; attempt < kTempNameTries && fd_ < 0; ++attempt) {
    temp_ = TempCandidate(path, random);
    // O_EXCL: a file of that name, however it got there, is never opened and overwritten.
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) Fail("cannot create a temporary file in " + ParentDir(path), errno);
  }
  if (fd_ < 0) Fail("cannot find a free temporary file name in " + ParentDir(path), EEXIST);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFile::Fail(const std::string& what, int error_number) {
  const std::string reason = error_number ? std::strerror(error_number) : "unknown reason";
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
  throw FileWriteError(path_ + ": cannot save: " + what + " (" + reason +
                       "); an existing file of that name is left as it was");
}

void AtomicFile::Write(const void* bytes, size_t count) {
  if (fd_ < 0) Fail("internal: write after the file was finished", 0);
  const char* p = static_cast<const char*>(bytes);
  while (count > 0) {
    const ssize_t written = ::write(fd_, p, count);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) Fail("writing " + temp_ + " failed", written < 0 ? errno : ENOSPC);
    p += written;
    count -= static_cast<size_t>(written);
  }
}

void AtomicFile::Finish() {
  if (fd_ < 0) return;
  if (::fsync(fd_) != 0) Fail("syncing " + temp_ + " to disk failed", errno);
  const int fd = fd_;
  fd_ = -1;
  // close() can report a write error that was deferred (network file systems).
  if (::close(fd) != 0) Fail("closing " + temp_ + " failed", errno);
}

void AtomicFile::Commit() {
  if (committed_) return;
  if (temp_.empty()) Fail("internal: commit after a failure", 0);
  Finish();
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) Fail("renaming " + temp_ + " to it failed", errno);
  committed_ = true;
  // Make the rename itself durable. The new file is in place whatever happens here, so a
  // directory that cannot be synced is not an error worth reporting.
  const int dir = ::open(ParentDir(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

AtomicFile& AtomicFileSet::Add(const std::string& path, const std::string& label) {
  std::error_code error;
  const std::filesystem::path p(path);
  std::filesystem::path dir = std::filesystem::weakly_canonical(std::filesystem::absolute(ParentDir(path), error), error);
  if (error) dir = std::filesystem::absolute(ParentDir(path), error).lexically_normal();
  const std::string identity = (dir / p.filename()).string();
  for (const Entry& e : entries_)
    if (e.identity == identity)
      throw FileWriteError(label + " and " + e.label + " both name " + path +
                           "; give each output its own file");
  entries_.push_back({std::make_unique<AtomicFile>(path), identity, label});
  return *entries_.back().file;
}

void AtomicFileSet::CommitAll() {
  for (Entry& e : entries_) e.file->Finish();
  // Renames within one directory do not fail for want of space, so once every file is
  // written and synced the targets are replaced together.
  for (Entry& e : entries_) e.file->Commit();
}

void WriteFileAtomically(const std::string& path, const std::string& bytes) {
  AtomicFile file(path);
  file.Write(bytes);
  file.Commit();
}

}  // namespace fs
