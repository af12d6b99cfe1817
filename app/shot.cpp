// Sections: the headless context · output names · ffmpeg · shot (one PNG, or a sequence of steps
// or beats, and a video made from it) · export (every beat of every lesson, with an index)
#include <dirent.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "app_state.h"
#include "capture_render.h"
#include "commands.h"
#include "excerpt.h"
#include "gui.h"
#include "layout_audit.h"
#include "lesson.h"
#include "trace_file.h"
#include "window.h"

extern char** environ;

namespace fs {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// ---- the headless context: one OpenGL context for all the images of a command -------------
struct Headless {
  Gui gui;
  int images = 0;
  ~Headless() { CloseGui(&gui); }
  // Draws `s` as `opt` asks into `file`. Every image starts from a fresh ImGui context, so that
  // it depends on its inputs only (not on the images drawn before it).
  std::string Draw(AppState& s, const Options& opt, AtomicFile& file, Captured* captured) {
    if (images++ > 0)
      if (std::string err = RestartImGui(&gui); !err.empty()) return err;
    s.view.run_time_shown = false;  // a measured time would make every image of the same inputs differ
    std::string err = DrawCapture(&gui, s, opt.width, opt.height, opt.capture, true, captured);
    if (!err.empty()) return err;
    try {
      WritePng(file, captured->image);
    } catch (const FileWriteError& e) {
      return e.what();
    }
    return "";
  }
};

// ---- output names -----------------------------------------------------------------------
// x.png -> x_007.png: numbered from 0 with as many digits as the last index needs (3 at least),
// so that the files sort in order and ffmpeg's x_%03d.png reads them.
int SequenceDigits(int count) { return std::max(3, static_cast<int>(std::to_string(std::max(0, count - 1)).size())); }

std::string SequenceStem(const std::string& out) {
  const bool png = out.size() > 4 && out.compare(out.size() - 4, 4, ".png") == 0;
  return png ? out.substr(0, out.size() - 4) : out;
}

std::string SequencePath(const std::string& out, int index, int count) {
  std::string number = std::to_string(index);
  number.insert(0, static_cast<size_t>(std::max(0, SequenceDigits(count) - static_cast<int>(number.size()))), '0');
  return SequenceStem(out) + "_" + number + ".png";
}

std::string SequencePattern(const std::string& out, int count) {
  return SequenceStem(out) + "_%0" + std::to_string(SequenceDigits(count)) + "d.png";
}

// ---- ffmpeg -------------------------------------------------------------------------------
// The executable named `name` in a directory of PATH, or "".
std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  for (size_t start = 0; start <= dirs.size();) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = dirs.substr(start, end - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0)
      return candidate;
    start = end + 1;
  }
  return "";
}

// The arguments that make `video` (.mp4: H.264 in yuv420p, whose sizes must be even; .gif: with
// a palette made from the frames) from the numbered PNGs of `pattern`.
std::vector<std::string> FfmpegArgs(const std::string& pattern, double fps, const std::string& video,
                                    const std::string& output) {
  char rate[32];
  std::snprintf(rate, sizeof rate, "%g", fps);
  std::vector<std::string> args = {"ffmpeg", "-y", "-loglevel", "error", "-framerate", rate, "-start_number", "0",
                                   "-i", pattern};
  const bool gif = video.size() >= 4 && video.compare(video.size() - 4, 4, ".gif") == 0;
  if (gif)
    args.insert(args.end(), {"-vf", "split[a][b];[a]palettegen[p];[b][p]paletteuse", "-f", "gif"});
  else
    args.insert(args.end(), {"-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                             "-f", "mp4"});
  args.push_back(output);
  return args;
}

std::string ShellQuote(const std::string& arg) {
  const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_./:=+-,", c) != nullptr;
  });
  if (plain) return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string CommandLine(const std::vector<std::string>& args) {
  std::string line;
  for (const auto& a : args) line += (line.empty() ? "" : " ") + ShellQuote(a);
  return line;
}

// Runs `program` with `args` (no shell) and waits; returns its exit status, or -1 when it could
// not be started or did not exit.
int RunProgram(const std::string& program, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Makes the video of a written sequence: with ffmpeg on PATH into a temporary file that replaces
// `video` only when ffmpeg succeeded; without it, prints the command. Returns "" or what failed.
std::string MakeVideo(const Options& opt, const std::string& pattern) {
  const std::string ffmpeg = FindOnPath("ffmpeg");
  if (ffmpeg.empty()) {
    std::printf("ffmpeg is not on PATH; to make %s from the sequence, run:\n  %s\n", opt.video_path.c_str(),
                CommandLine(FfmpegArgs(pattern, opt.fps, opt.video_path, opt.video_path)).c_str());
    return "";
  }
  try {
    AtomicFile video(opt.video_path);
    const auto args = FfmpegArgs(pattern, opt.fps, opt.video_path, video.TempPath());
    const int code = RunProgram(ffmpeg, args);
    if (code != 0)
      return ffmpeg + " failed (exit status " + std::to_string(code) + "); " + opt.video_path +
             " was not written. The command: " + CommandLine(FfmpegArgs(pattern, opt.fps, opt.video_path,
                                                                         opt.video_path));
    video.Commit();
  } catch (const FileWriteError& e) {
    return e.what();
  }
  std::printf("wrote %s with %s\n", opt.video_path.c_str(), ffmpeg.c_str());
  return "";
}

// ---- shot ---------------------------------------------------------------------------------
// What one image of a shot shows: a step of the problem, or a beat of the lesson.
struct ShotFrame {
  int index = 0;  // the step or beat
  std::string path;
};

// The frames asked for, checked against what `s` shows; "" or why they cannot be drawn.
std::string PlanFrames(const Options& opt, const AppState& s, std::vector<ShotFrame>* frames) {
  const bool steps = !opt.steps.text.empty(), beats = !opt.beats.text.empty();
  if (!steps && !beats) {
    frames->push_back({-1, opt.out_path});
    return "";
  }
  const IndexRange& range = steps ? opt.steps : opt.beats;
  int count = 0;
  std::string of_what;
  if (steps) {
    count = s.trace ? s.trace->StepCount() : 0;
    of_what = Describe(s.problem) + " has " + std::to_string(count) + " steps";
  } else {
    if (!s.lesson) return "--beats draws the beats of a lesson, and no lesson is open (give --lesson FILE)";
    count = static_cast<int>(s.lesson->beats.size());
    of_what = "the lesson " + s.lesson->path + " has " + std::to_string(count) + " beats";
  }
  const int first = range.all ? 0 : range.first, last = range.all ? count - 1 : range.last;
  if (last >= count)
    return std::string(steps ? "--steps " : "--beats ") + range.text + " is out of range: " + of_what +
           "; allowed: A..B with 0 <= A <= B <= " + std::to_string(count - 1);
  const int n = last - first + 1;
  for (int k = 0; k < n; ++k) frames->push_back({first + k, SequencePath(opt.out_path, k, n)});
  return "";
}

int ShotFailed(const std::string& message, int code) {
  std::fprintf(stderr, "flashscope shot: %s\n", message.c_str());
  return code;
}

}  // namespace

int RunShot(const Options& opt) {
  const auto t0 = Clock::now();
  // Everything that can be refused is settled before a window exists, and a refusal writes
  // no PNG: a picture of something other than what was asked for would mislead.
  if (opt.open_path.empty()) {
    try {
      Validate(ResolveProblem(opt, true));
    } catch (const std::exception& e) {
      return ShotFailed(e.what(), 2);
    }
  }
  AppState s;
  if (!InitState(s, opt)) return ShotFailed(s.status.text, 1);
  if (s.status.error) std::fprintf(stderr, "flashscope shot: %s\n", s.status.text.c_str());  // e.g. no CUDA
  std::vector<ShotFrame> frames;
  if (const std::string err = PlanFrames(opt, s, &frames); !err.empty()) return ShotFailed(err, 2);
  const bool sequence = frames.front().index >= 0, by_beats = !opt.beats.text.empty();

  // Every file is opened (as a temporary file) before drawing and renamed only when all are
  // written: an unwritable path is found at once, and a failure leaves no file behind.
  AtomicFileSet outputs;
  std::vector<AtomicFile*> files;
  AtomicFile* layout_file = nullptr;
  try {
    for (const ShotFrame& f : frames) files.push_back(&outputs.Add(f.path, "--out"));
    if (!opt.layout_report.empty()) layout_file = &outputs.Add(opt.layout_report, "--layout-report");
  } catch (const FileWriteError& e) {
    return ShotFailed(e.what(), 1);
  }
  LayoutAudit audit;  // what the last frame drawn measured
  if (layout_file) StartLayoutAudit(&audit);
  Headless headless;
  const GlChoice choice = ChooseGlFromEnvironment(opt.gl);
  if (const std::string err = OpenGui(&headless.gui, choice, 64, 64, false, "FlashScope shot"); !err.empty())
    return ShotFailed(err, 1);
  const int row = s.row;
  Captured captured;
  for (size_t i = 0; i < frames.size(); ++i) {
    const ShotFrame& f = frames[i];
    // A beat is drawn as `shot --beat k` draws it, from a fresh state; a step as `--step k`.
    AppState beat_state;
    AppState* shown = &s;
    if (by_beats) {
      Options one = opt;
      one.beat = f.index;
      if (!InitState(beat_state, one)) return ShotFailed(beat_state.status.text + "; no file was written", 1);
      shown = &beat_state;
    } else if (sequence) {
      SetRow(s, row);
      SetStep(s, f.index);
    }
    if (const std::string err = headless.Draw(*shown, opt, *files[i], &captured); !err.empty())
      return ShotFailed(err + (sequence ? "; no file of the sequence was written" : ""), 1);
    if (sequence)
      std::printf("%s: %s %d\n", f.path.c_str(), by_beats ? "beat" : "step", f.index);
  }
  StartLayoutAudit(nullptr);
  try {
    if (layout_file) layout_file->Write(LayoutAuditJson(audit) + "\n");
    outputs.CommitAll();
  } catch (const FileWriteError& e) {
    return ShotFailed(e.what(), 1);
  }
  const double ms = MsSince(t0);
  const std::string region = opt.capture.panel.empty()
                                 ? ""
                                 : ", panel " + opt.capture.panel + " at " + std::to_string(captured.x) + "," +
                                       std::to_string(captured.y) + " of the " +
                                       std::to_string(captured.frame_width) + "x" +
                                       std::to_string(captured.frame_height) + " frame";
  if (sequence)
    std::printf("wrote %zu files %s .. %s (%dx%d%s) in %.0f ms\n", frames.size(), frames.front().path.c_str(),
                frames.back().path.c_str(), captured.image.width, captured.image.height, region.c_str(), ms);
  else
    std::printf("wrote %s (%dx%d%s, step %d, %s) in %.0f ms\n", opt.out_path.c_str(), captured.image.width,
                captured.image.height, region.c_str(), s.step, SourceLine(s).c_str(), ms);
  std::printf("drawn through %s\n", headless.gui.description.c_str());
  if (s.trace)  // as `flashscope trace` and the web page print it, to compare what each shows
    std::printf("trace digest %016llx\n", static_cast<unsigned long long>(TraceDigest(*s.trace)));
  std::fflush(stdout);
  if (!opt.video_path.empty())
    if (const std::string err = MakeVideo(opt, SequencePattern(opt.out_path, static_cast<int>(frames.size())));
        !err.empty())
      return ShotFailed(err + " (the PNG sequence was written)", 1);
  return 0;
}

// ---- export -------------------------------------------------------------------------------
namespace {

int ExportFailed(const std::string& message, int code) {
  std::fprintf(stderr, "flashscope export: %s\n", message.c_str());
  return code;
}

// The lesson files of --lessons: the *.json files of a directory, sorted, or the one file named.
std::string LessonFiles(const std::string& path, std::vector<std::string>* files) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    return "--lessons " + Excerpt(path) + ": " + std::strerror(errno) + "; allowed: a directory of lesson files "
           "(*.json) or one lesson file";
  if (!S_ISDIR(st.st_mode)) {
    files->push_back(path);
    return "";
  }
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return "--lessons " + Excerpt(path) + ": cannot read the directory: " + std::strerror(errno);
  while (const dirent* e = readdir(dir)) {
    const std::string name = e->d_name;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) files->push_back(path + "/" + name);
  }
  closedir(dir);
  std::sort(files->begin(), files->end());
  if (files->empty()) return "--lessons " + Excerpt(path) + " holds no lesson files (*.json)";
  return "";
}

std::string Stem(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  return name.substr(0, name.rfind('.'));
}

std::string BeatImageName(const std::string& lesson_path, int beat) {
  char number[16];
  std::snprintf(number, sizeof number, "%02d", beat + 1);
  return Stem(lesson_path) + "_beat" + number + ".png";
}

// index.md: per lesson its title, file and summary, per beat its title, image and text.
std::string IndexMarkdown(const Options& opt, const std::vector<Lesson>& lessons) {
  std::string md = "# FlashScope lessons\n\nEvery beat of every lesson in `" + opt.lessons_path +
                   "`, drawn by `flashscope export` at " + std::to_string(opt.width * opt.capture.pixel_scale) +
                   "x" + std::to_string(opt.height * opt.capture.pixel_scale) +
                   (opt.light ? " in the light theme" : " in the dark theme") + ".\n";
  for (const Lesson& lesson : lessons) {
    md += "\n## " + lesson.title + "\n\n`" + lesson.path.substr(lesson.path.find_last_of('/') + 1) + "`, " +
          std::to_string(lesson.beats.size()) + " beats." + (lesson.summary.empty() ? "" : " " + lesson.summary) +
          "\n";
    for (size_t b = 0; b < lesson.beats.size(); ++b) {
      const Beat& beat = lesson.beats[b];
      md += "\n### " + std::to_string(b + 1) + ". " + beat.title + "\n\n![" + beat.title + "](" +
            BeatImageName(lesson.path, static_cast<int>(b)) + ")\n\n" + beat.text + "\n";
    }
  }
  return md;
}

}  // namespace

int RunExport(const Options& opt) {
  const auto t0 = Clock::now();
  std::vector<std::string> paths;
  if (const std::string err = LessonFiles(opt.lessons_path, &paths); !err.empty()) return ExportFailed(err, 2);
  // Every lesson is read (and refused, with the file and field) before anything is drawn.
  std::vector<Lesson> lessons;
  for (const auto& path : paths) {
    try {
      lessons.push_back(LoadLesson(path));
    } catch (const std::exception& e) {
      return ExportFailed(std::string(e.what()) + "; nothing was written", 2);
    }
  }
  struct stat st;
  bool made_dir = false;
  if (stat(opt.out_path.c_str(), &st) != 0) {
    if (mkdir(opt.out_path.c_str(), 0777) != 0)
      return ExportFailed("--out " + Excerpt(opt.out_path) + ": cannot make the directory: " + std::strerror(errno),
                          1);
    made_dir = true;
  } else if (!S_ISDIR(st.st_mode)) {
    return ExportFailed(
        "--out " + Excerpt(opt.out_path) + " is not a directory; allowed: a directory (made if missing)", 2);
  }
  int code = 0;
  size_t images = 0;
  {
    AtomicFileSet outputs;
    std::string err;
    try {
      std::vector<AtomicFile*> files;
      for (const Lesson& lesson : lessons)
        for (size_t b = 0; b < lesson.beats.size(); ++b)
          files.push_back(&outputs.Add(opt.out_path + "/" + BeatImageName(lesson.path, static_cast<int>(b)), "--out"));
      AtomicFile& index = outputs.Add(opt.out_path + "/index.md", "--out");
      Headless headless;
      err = OpenGui(&headless.gui, ChooseGlFromEnvironment(opt.gl), 64, 64, false, "FlashScope export");
      for (size_t l = 0; l < lessons.size() && err.empty(); ++l) {
        for (size_t b = 0; b < lessons[l].beats.size() && err.empty(); ++b) {
          Options one = opt;
          one.lesson_path = lessons[l].path;
          one.beat = static_cast<int>(b);
          AppState s;
          Captured captured;
          if (!InitState(s, one))
            err = s.status.text;
          else
            err = headless.Draw(s, one, *files[images], &captured);
          if (!err.empty()) err = lessons[l].path + ", beat " + std::to_string(b) + ": " + err;
          ++images;
        }
      }
      if (err.empty()) {
        index.Write(IndexMarkdown(opt, lessons));
        outputs.CommitAll();
      }
    } catch (const FileWriteError& e) {
      err = e.what();
    }
    if (!err.empty()) code = ExportFailed(err + "; nothing was written", 1);
  }
  if (code != 0) {
    if (made_dir) rmdir(opt.out_path.c_str());
    return code;
  }
  std::printf("exported %zu lessons, %zu images and %s/index.md in %.0f ms\n", lessons.size(), images,
              opt.out_path.c_str(), MsSince(t0));
  return 0;
}

}  // namespace fs
