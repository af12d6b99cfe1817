// flashscope: the window (default) and the commands shot, export, trace, bench, drift and limits.
#include <cstdio>

#include "cli.h"
#include "commands.h"
#if FS_HAVE_GUI
#include "window.h"
#endif

int main(int argc, char** argv) {
  fs::Options opt;
  if (const int code = fs::ParseCommandLine(argc, argv, &opt); code != fs::kGoOn) return code;
  switch (opt.command) {
    case fs::Command::kTrace:
      return fs::RunTraceCommand(opt);
    case fs::Command::kBench:
      return fs::RunBenchCommand(opt);
    case fs::Command::kDrift:
      return fs::RunDriftCommand(opt);
    case fs::Command::kLimits:
      return fs::RunLimitsCommand(opt);
    case fs::Command::kShot:
    case fs::Command::kExport:
    case fs::Command::kWindow:
#if FS_HAVE_GUI
      if (opt.command == fs::Command::kExport) return fs::RunExport(opt);
      return opt.command == fs::Command::kShot ? fs::RunShot(opt) : fs::RunWindow(opt);
#else
      std::fprintf(stderr,
                   "flashscope: this build has no window (GLFW, Dear ImGui or OpenGL were not found when it was "
                   "built); the commands trace and bench work. See --help.\n");
      return 2;
#endif
  }
  return 0;
}
