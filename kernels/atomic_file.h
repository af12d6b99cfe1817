// Outputs written whole or not at all: trace files, .npy, PNG captures, bench JSON.
//
// Bytes go to a temporary file beside the target (same directory, so that the final rename
// is atomic; a fresh name, so that no existing file is ever taken over). Every write is
// checked; only after the data is synced to disk and the file closed without error is it
// renamed over the target. On any failure the target is left as it was and the temporary
// file is removed.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs {

// A file that could not be written; the message names it, says what failed and that an
// existing file of that name was left as it was.
struct FileWriteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class AtomicFile {
 public:
  // Creates the temporary file; throws FileWriteError (e.g. no such directory).
  explicit AtomicFile(const std::string& path);
  // Removes the temporary file unless Commit() succeeded.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void Write(const void* bytes, size_t count);
  void Write(const std::string& bytes) { Write(bytes.data(), bytes.size()); }
  // Syncs the data to disk and closes the temporary file, checking both.
  void Finish();
  // Finish() unless done, then renames the temporary file over the target.
  void Commit();

  const std::string& Path() const { return path_; }
  const std::string& TempPath() const { return temp_; }

 private:
  [[noreturn]] void Fail(const std::string& what, int error_number);

  std::string path_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

// The outputs of one command, all or none. Add() each output before anything is written
// (two outputs naming one file are refused there), write them, then CommitAll(): every file
// is written and synced before the first rename, so a failure leaves every target as it was.
class AtomicFileSet {
 public:
  // `label` names the output in messages, e.g. "--save-o".
  AtomicFile& Add(const std::string& path, const std::string& label);
  void CommitAll();

 private:
  struct Entry {
    std::unique_ptr<AtomicFile> file;
    std::string identity;  // canonical directory + file name: what the rename replaces
    std::string label;
  };
  std::vector<Entry> entries_;
};

// Writes `bytes` to `path` through an AtomicFile.
void WriteFileAtomically(const std::string& path, const std::string& bytes);

}  // namespace fs
