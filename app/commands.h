// Headless commands: record a trace file, time the CUDA kernels. They need no window and
// build everywhere (the GPU machine has no GUI libraries).
#pragma once

#include "atomic_file.h"
#include "cli.h"

namespace fs {

// The lesson's problem (or the default Problem when no lesson is named) with the command
// line's problem options applied on top. Throws LessonError / ProblemError.
Problem ResolveProblem(const Options& opt, bool use_default_lesson);
// "auto" means CUDA when a device is usable, otherwise the CPU emulation.
BackendKind ResolveBackend(const std::string& name);

// O (N, d) and L (N) of a trace as float32 .npy files, among the outputs of a command: Add
// opens them in `outputs` (an empty path skips that one), Write fills them; the caller
// commits `outputs`. Labels name them in messages ("--save-o").
struct NpyOutputs {
  AtomicFile* o = nullptr;
  AtomicFile* l = nullptr;
};
NpyOutputs AddOutputsNpy(AtomicFileSet& outputs, const std::string& o_path, const std::string& l_path,
                         const std::string& o_label, const std::string& l_label);
void WriteOutputsNpy(const NpyOutputs& out, const Trace& t);
// Both at once, all or nothing (throws FileWriteError, NpyError).
void SaveOutputsNpy(const Trace& t, const std::string& o_path, const std::string& l_path);

int RunTraceCommand(const Options& opt);
int RunBenchCommand(const Options& opt);
int RunDriftCommand(const Options& opt);
// Softmax limits (kernels/softmax_limits.h) over the lists given: JSON to --json or standard output.
int RunLimitsCommand(const Options& opt);

}  // namespace fs
