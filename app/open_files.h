// Files a person hands the app at once: dropped on the window (the desktop's or the web page's
// canvas) or chosen in the page's file picker. Each is recognised by its start (a trace file's
// FSTRACE, a .npy array's magic, a JSON object) and its name, and opened by what opens it from
// a menu (OpenTraceFile, OpenLesson, OpenBenchReport), so that a bad file gets the same message
// either way. .npy arrays are inputs: named q, k and v (and dO), they run at once; otherwise the
// inputs dialog asks which is which.
#pragma once

#include <string>
#include <vector>

#include "app_state.h"

namespace fs {

// The file's name without its folders: "/uploads/q.npy" -> "q.npy".
std::string BaseName(const std::string& path);

enum class FileKind { kTrace, kNpy, kLesson, kBenchReport, kUnknown };

// What `path` holds, from its first bytes (and, for JSON, whether it has "beats"): a file that
// cannot be read or is empty is kUnknown.
FileKind KindOfFile(const std::string& path);

// The role a .npy file's name gives it: "q", "k", "v", "dout", or "" (by the words of its stem:
// q/query, k/key, v/value, do/dout; "npy_q_n40_d16.npy" is Q).
std::string NpyRoleOfName(const std::string& path);

// Opens each file as its kind says. Returns how many were opened (.npy inputs count when they
// ran or the dialog opened for them). The status line names what was opened, or what was not
// and why.
int OpenFiles(AppState& s, const std::vector<std::string>& paths);

// Runs the .npy inputs: the problem being edited with pattern npy and N and d from the files.
// Returns false (the status says why) when a file cannot be read or the shapes disagree.
bool OpenNpyInputs(AppState& s, const NpyChoice& files);

}  // namespace fs
