#include "cli.h"

#include <CLI/CLI.hpp>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "excerpt.h"
#include "ladder.h"

#include "panel_list.h"

namespace fs {

bool ParseDecimalU64(const std::string& text, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

bool ParseDecimal(const std::string& text, int64_t lo, int64_t hi, int64_t* out) {
  const bool negative = !text.empty() && text[0] == '-';
  uint64_t magnitude = 0;
  if (!ParseDecimalU64(negative ? text.substr(1) : text, &magnitude)) return false;
  constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;  // of INT64_MIN; INT64_MAX is one less
  if (magnitude > (negative ? kMaxMagnitude : kMaxMagnitude - 1)) return false;
  const int64_t value = !negative                   ? static_cast<int64_t>(magnitude)
                        : magnitude == kMaxMagnitude ? std::numeric_limits<int64_t>::min()
                                                     : -static_cast<int64_t>(magnitude);
  if (value < lo || value > hi) return false;
  *out = value;
  return true;
}

bool ParseFiniteDouble(const std::string& text, double* out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  // Overflow gives inf; a value too small for a double gives 0 or a subnormal, which the
  // caller's allowed range then refuses.
  if (end != text.c_str() + text.size() || !std::isfinite(value)) return false;
  *out = value;
  return true;
}

bool ParseIndexRange(const std::string& text, IndexRange* out) {
  const size_t dots = text.find("..");
  const int most = std::numeric_limits<int>::max();
  int64_t a = 0, b = 0;
  if (dots == std::string::npos) {
    if (!ParseDecimal(text, 0, most, &a)) return false;
    b = a;
  } else if (!ParseDecimal(text.substr(0, dots), 0, most, &a) || !ParseDecimal(text.substr(dots + 2), 0, most, &b) ||
             b < a) {
    return false;
  }
  *out = IndexRange{text, static_cast<int>(a), static_cast<int>(b), false};
  return true;
}

namespace {

// Numbers on the command line are read strictly: decimal digits only (no hex, octal or
// exponent, which the library would accept), nothing after them, and no silent wrap-around
// or rounding. A value that cannot be what was meant is refused with what is allowed.
[[noreturn]] void Refuse(const std::string& flag, const std::string& text, const std::string& allowed) {
  throw CLI::ValidationError(flag + " is " + Excerpt(text) + "; allowed: " + allowed);
}

int IntFlag(const std::string& flag, const std::string& text, int lo, int hi, const std::string& allowed) {
  int64_t value = 0;
  if (!ParseDecimal(text, lo, hi, &value)) Refuse(flag, text, allowed);
  return static_cast<int>(value);
}

// A problem field given as an integer. Values that fit an int are passed on and checked with
// the rest of the problem (Validate), so that one message explains every field.
void AddIntField(CLI::App* app, ProblemFlags* f, const std::string& names, const std::string& flag,
                 int Problem::*member, const std::string& allowed, const std::string& help) {
  app->add_option_function<std::string>(
         names,
         [f, member, flag, allowed](const std::string& text) {
           const int v = IntFlag(flag, text, std::numeric_limits<int>::min(), std::numeric_limits<int>::max(),
                                 allowed);
           f->edits.push_back([member, v](Problem& p) { p.*member = v; });
         },
         help)
      ->group("Problem");
}

// An option bound to an int of Options, refused outside lo..hi.
void AddIntOption(CLI::App* app, const std::string& flag, int* target, int lo, int hi, const std::string& help) {
  const std::string allowed = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  app->add_option_function<std::string>(
      flag, [=](const std::string& text) { *target = IntFlag(flag, text, lo, hi, allowed); }, help);
}

// A problem field that takes one name of an enum (softmax, order); anything else is refused
// with the names allowed.
template <typename E>
void AddChoiceField(CLI::App* app, ProblemFlags* f, const std::string& flag, E Problem::*member,
                    bool (*parse)(const std::string&, E*), const std::string& choices, const std::string& help,
                    const std::string& group) {
  app->add_option_function<std::string>(
         flag,
         [f, flag, member, parse, choices](const std::string& name) {
           E value;
           if (!parse(name, &value)) Refuse(flag, name, choices);
           f->edits.push_back([member, value](Problem& p) { p.*member = value; });
         },
         help)
      ->group(group);
}

// Precision (a preset, then per-stage overrides: CLI11 applies options in the order they are
// defined, so `--precision fa2-bf16 --acc bf16` keeps the override) and the softmax variant.
void AddNumericOptions(CLI::App* app, ProblemFlags* f, bool with_dout = true) {
  app->add_option_function<std::string>(
         "--precision",
         [f](const std::string& name) {
           Precision preset;
           if (!ParsePrecisionPreset(name, &preset))
             Refuse("--precision", name, "a preset: " + PrecisionPresetChoices());
           f->edits.push_back([preset](Problem& p) { p.precision = preset; });
         },
         "Precision preset: " + PrecisionPresetChoices() + " (default fp32)")
      ->group("Numerics");
  for (const PrecisionStage& stage : kPrecisionStages) {
    const std::string flag = std::string("--") + stage.name;
    app->add_option_function<std::string>(
           flag,
           [f, flag, member = stage.member](const std::string& name) {
             Format format;
             if (!ParseFormat(name, &format)) Refuse(flag, name, "a format: " + FormatChoices());
             f->edits.push_back([member, format](Problem& p) { p.precision.*member = format; });
           },
           std::string("Format of ") + stage.meaning + ": " + FormatChoices() + " (overrides the preset)")
        ->group("Numerics");
  }
  AddChoiceField(app, f, "--softmax", &Problem::softmax, ParseSoftmax, SoftmaxChoices(),
                 "Softmax: standard, or stabilized (shift m' = beta r_m for tied maxima)", "Numerics");
  // Ranges are checked with the rest of the problem (Validate), which names what is allowed.
  for (auto [flag, member, help] :
       {std::make_tuple("--beta", &Problem::beta, "Stabilized softmax: beta, 1 < beta <= 16 (default 2)"),
        std::make_tuple("--eps", &Problem::eps,
                        "Stabilized softmax: scores within eps of the max are ties, 0 < eps <= 1 (default 1e-3)")}) {
    app->add_option_function<std::string>(
           flag,
           [f, flag = std::string(flag), member = member](const std::string& text) {
             double v = 0.0;
             if (!ParseFiniteDouble(text, &v)) Refuse(flag, text, "a finite number");
             const float x = static_cast<float>(v);
             f->edits.push_back([member, x](Problem& p) { p.*member = x; });
           },
           help)
        ->group("Numerics");
  }
  if (!with_dout) return;
  app->add_option_function<std::string>(
         "--dout", [f](const std::string& path) { f->edits.push_back([path](Problem& p) { p.dout_path = path; }); },
         "Upstream gradient dO (N x d) from a .npy file, for delta = rowsum(dO * O)")
      ->group("Numerics");
}

void AddProblemOptions(CLI::App* app, ProblemFlags* f) {
  const std::string n_allowed = "1.." + std::to_string(kMaxStepN);
  AddIntField(app, f, "-n,--n", "--n", &Problem::n, n_allowed, "Sequence length N, " + n_allowed);
  AddIntField(app, f, "-d,--d", "--d", &Problem::d, AllowedList(kAllowedD), "Head dimension d: " + AllowedList(kAllowedD));
  AddIntField(app, f, "--br", "--br", &Problem::br, AllowedList(kAllowedBlock),
              "Q block rows Br: " + AllowedList(kAllowedBlock));
  AddIntField(app, f, "--bc", "--bc", &Problem::bc, AllowedList(kAllowedBlock),
              "K/V block rows Bc: " + AllowedList(kAllowedBlock));
  AddIntField(app, f, "--rank", "--rank", &Problem::rank, "1..min(d, " + std::to_string(kMaxRank) + ")",
              "Rank of Q and K for --pattern lowrank");
  app->add_option_function<std::string>(
         "--softmax-scale",
         [f](const std::string& text) {
           double v = 0.0;
           if (!ParseFiniteDouble(text, &v) || !ScaleIsAllowed(v)) Refuse("--softmax-scale", text, kScaleAllowed);
           const float scale = static_cast<float>(v);
           f->edits.push_back([scale](Problem& p) { p.scale = scale; });
         },
         "Softmax scale (default 1/sqrt(d))")
      ->group("Problem");
  app->add_option_function<std::string>(
         "--seed",
         [f](const std::string& text) {
           uint64_t seed = 0;
           if (!ParseDecimalU64(text, &seed))
             Refuse("--seed", text,
                    "an integer from 0 to " + std::to_string(std::numeric_limits<uint64_t>::max()));
           f->edits.push_back([seed](Problem& p) { p.seed = seed; });
         },
         "Seed of the generated inputs")
      ->group("Problem");
  app->add_flag_function(
         "--causal", [f](int64_t) { f->edits.push_back([](Problem& p) { p.causal = true; }); },
         "Causal mask (keys after the query are hidden)")
      ->group("Problem");
  app->add_option_function<std::string>(
         "--pattern",
         [f](const std::string& name) {
           Pattern pattern;
           if (!ParsePattern(name, &pattern))
             throw CLI::ValidationError("--pattern", Excerpt(name) + " is not a pattern; allowed: " + PatternChoices());
           f->edits.push_back([pattern](Problem& p) { p.pattern = pattern; });
         },
         "Input pattern: " + PatternChoices())
      ->group("Problem");
  AddChoiceField(app, f, "--order", &Problem::order, ParseLoopOrder, LoopOrderChoices(),
                 "Loop order: fa2 (Q blocks outer, the default) or fa1 (K/V blocks outer, O, m and l re-read and "
                 "re-written in HBM at every step; FP32 and the standard softmax only)",
                 "Problem");
  AddNumericOptions(app, f);
  for (auto [flag, member, what] : {std::make_tuple("--q", &Problem::q_path, "Q"),
                                    std::make_tuple("--k", &Problem::k_path, "K"),
                                    std::make_tuple("--v", &Problem::v_path, "V")}) {
    app->add_option_function<std::string>(
           flag,
           [f, member = member](const std::string& path) {
             f->edits.push_back([member, path](Problem& p) {
               p.*member = path;
               p.pattern = Pattern::kNpy;
             });
           },
           std::string(what) + " from a .npy file (float32 or float16, N x d); implies --pattern npy")
        ->group("Problem");
  }
}

void AddUiScaleOption(CLI::App* app, Options* opt) {
  app->add_option_function<std::string>(
      "--scale",
      [opt](const std::string& text) {
        double v = 0.0;
        if (!ParseFiniteDouble(text, &v) || v < kMinUiScale || v > kMaxUiScale)
          Refuse("--scale", text, "a number from 0.5 to 4");
        opt->ui_scale = static_cast<float>(v);
      },
      "UI scale (fonts and spacing), 0.5..4; default: the monitor's (its content scale) in the window, 1 in shot "
      "and export");
}

void AddGlOption(CLI::App* app, Options* opt) {
  app->add_option_function<std::string>(
      "--gl",
      [opt](const std::string& text) {
        if (!ParseGlRequest(text, &opt->gl)) Refuse("--gl", text, kGlRequestChoices);
      },
      "How to reach OpenGL: glx (a window on the X display), egl (no window and no display: a headless "
      "server), or auto (the default: egl when neither DISPLAY nor WAYLAND_DISPLAY is set, otherwise glx)");
}

void AddViewOptions(CLI::App* app, Options* opt) {
  app->add_option("--lesson", opt->lesson_path, "Lesson file (JSON); default: the introduction");
  const int most = std::numeric_limits<int>::max();
  AddIntOption(app, "--beat", &opt->beat, 0, most, "Lesson beat to show, from 0");
  AddIntOption(app, "--step", &opt->step, 0, most, "Loop step to show, from 0");
  AddIntOption(app, "--row", &opt->row, 0, most, "Query row to follow in the online-softmax panel");
  app->add_option("--backend", opt->backend, "Where the kernel runs: auto, cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  AddUiScaleOption(app, opt);
  app->add_flag("--light", opt->light, "Light theme (for projectors and slides)");
  app->add_flag("--numbers", opt->numbers,
                "Numbers in heatmap cells (where they fit; the scores panel adds a zoom where they do not)");
  app->add_option("--panels", opt->panels,
                  "Panels to show, comma-separated; the first named in an area is its front tab: " + PanelNameChoices())
      ->delimiter(',')
      ->check(CLI::IsMember(PanelNameList()));
  app->add_option("--bench-json", opt->bench_json,
                  "A bench report saved with `flashscope bench --json FILE`, shown in the throughput panel (on a "
                  "machine without a GPU too)");
  app->add_option("--size", opt->size_text, "Window or image size WxH in pixels, 320x240..7680x4320")
      ->default_str("1920x1080");
  AddGlOption(app, opt);
}

// How a capture is drawn, for shot and export; shot also takes --panel.
void AddCaptureOptions(CLI::App* app, Options* opt, bool with_panel) {
  if (with_panel)
    app->add_option_function<std::string>(
           "--panel",
           [opt](const std::string& name) {
             PanelId id;
             if (!ParsePanelName(name, &id)) Refuse("--panel", name, "a panel: " + PanelNameChoices());
             opt->capture.panel = name;
           },
           "Capture one panel, cropped to its region (shown and brought to the front of its area): " +
               PanelNameChoices())
        ->group("Capture");
  app->add_option_function<std::string>(
         "--capture-scale",
         [opt](const std::string& text) {
           opt->capture.pixel_scale = IntFlag("--capture-scale", text, 1, 4, "1, 2 or 4");
           if (opt->capture.pixel_scale == 3) Refuse("--capture-scale", text, "1, 2 or 4");
         },
         "Draw the image at 1, 2 or 4 times the pixels of --size: the same layout, fonts and lines drawn at "
         "that resolution (not an enlarged picture)")
      ->group("Capture");
  app->add_flag("--transparent", opt->capture.transparent,
                "Transparent background: alpha 0 where only the window's backgrounds would be, for slides of any "
                "colour")
      ->group("Capture");
  auto* on = app->add_flag_callback(
                    "--caption", [opt] { opt->capture.caption = CaptionMode::kOn; },
                    "Write a small caption naming the problem, step and backend in the image's corner (default: "
                    "with --panel only)")
                 ->group("Capture");
  app->add_flag_callback(
         "--no-caption", [opt] { opt->capture.caption = CaptionMode::kOff; }, "No caption, with --panel too")
      ->group("Capture")
      ->excludes(on);
}

bool ParseSize(const std::string& s, int* w, int* h) {
  const size_t x = s.find_first_of("xX");
  int64_t a = 0, b = 0;
  if (x == std::string::npos || !ParseDecimal(s.substr(0, x), kMinWidth, kMaxWidth, &a) ||
      !ParseDecimal(s.substr(x + 1), kMinHeight, kMaxHeight, &b))
    return false;
  *w = static_cast<int>(a);
  *h = static_cast<int>(b);
  return true;
}

}  // namespace

int ParseCommandLine(int argc, char** argv, Options* opt) {
  CLI::App app{
      "FlashScope: step through FlashAttention-2's (or FlashAttention-1's) tiled loop on a real kernel and see "
      "the tiles, the online softmax and the scores.\n"
      "Without a command it opens the window on the default lesson."};
  app.set_help_all_flag("--help-all", "Help for every command");
  AddProblemOptions(&app, &opt->flags);
  AddViewOptions(&app, opt);
  app.add_option("--open", opt->open_path, "Open a trace file recorded with `flashscope trace`");
  app.add_flag("--animate", opt->animate,
               "Animate each step: blocks slide from HBM into SRAM, the running probabilities move (about 350 ms)");
  AddIntOption(&app, "--measure-frames", &opt->measure_frames, 1, 100000,
               "Draw this many frames without vsync, print the mean frame time and exit (without a display: "
               "through EGL, into an offscreen image of --size)");

  CLI::App* shot = app.add_subcommand(
      "shot", "Render the window's panels headless to a PNG (through EGL where there is no display; see --gl)");
  AddProblemOptions(shot, &opt->flags);
  AddViewOptions(shot, opt);
  shot->add_option("--open", opt->open_path, "Render a trace file instead of running a problem");
  shot->add_option("--out", opt->out_path,
                   "PNG file to write; with --steps or --beats the sequence's files are numbered from it "
                   "(x.png: x_000.png, x_001.png, ...)")
      ->required();
  AddCaptureOptions(shot, opt, true);
  shot->add_option("--layout-report", opt->layout_report,
                   "Also write the layout's own measurements of the (last) frame as JSON: content wider than its "
                   "region (clipped), and every chart's size");
  auto* steps = shot->add_option_function<std::string>(
                        "--steps",
                        [opt](const std::string& text) {
                          if (!ParseIndexRange(text, &opt->steps))
                            Refuse("--steps", text, "A..B, steps from A to B inclusive, 0 <= A <= B");
                        },
                        "Write a numbered PNG sequence of the loop's steps A..B (inclusive, from 0)")
                    ->group("Sequence")
                    ->excludes("--step");
  shot->add_option_function<std::string>(
          "--beats",
          [opt](const std::string& text) {
            if (text == "all") {
              opt->beats.text = text;
              opt->beats.all = true;
            } else if (!ParseIndexRange(text, &opt->beats)) {
              Refuse("--beats", text, "all, or A..B, beats from A to B inclusive, 0 <= A <= B");
            }
          },
          "Write a numbered PNG sequence of the lesson's beats: all, or A..B (inclusive, from 0)")
      ->group("Sequence")
      ->excludes("--beat")
      ->excludes(steps);
  shot->add_option("--video", opt->video_path,
                   "Also make out.mp4 or out.gif from the sequence with ffmpeg when it is installed (otherwise "
                   "the ffmpeg command is printed)")
      ->group("Sequence");
  shot->add_option_function<std::string>(
          "--fps",
          [opt](const std::string& text) {
            if (!ParseFiniteDouble(text, &opt->fps) || opt->fps < 0.1 || opt->fps > 60)
              Refuse("--fps", text, "a number from 0.1 to 60");
          },
          "Frames per second of --video (default 2)")
      ->group("Sequence");

  CLI::App* exporter = app.add_subcommand(
      "export", "Render every beat of every lesson in a directory to PNGs, with an index (index.md) of the "
                "images and the beats' texts");
  exporter->add_option("--lessons", opt->lessons_path, "Directory of lesson files (*.json), or one lesson file")
      ->required();
  exporter->add_option("--out", opt->out_path, "Directory to write the images and index.md into (made if missing)")
      ->required();
  exporter->add_option("--size", opt->size_text, "Image size WxH in pixels, 320x240..7680x4320")
      ->default_str("1920x1080");
  exporter->add_flag("--light", opt->light, "Light theme (for projectors and slides)");
  AddUiScaleOption(exporter, opt);
  exporter->add_option("--backend", opt->backend, "Where the kernel runs: auto, cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  AddGlOption(exporter, opt);
  AddCaptureOptions(exporter, opt, false);

  CLI::App* trace = app.add_subcommand(
      "trace", "Run a problem, record every step (or one Q block's, past the trace budget) and write a trace file");
  AddProblemOptions(trace, &opt->flags);
  AddIntOption(trace, "--q-block", &opt->q_block, 0, std::numeric_limits<int>::max(),
               "Record only this Q block's steps (O and L whole); without it, every step, or Q block 0's when every "
               "step would exceed the " + std::to_string(kTraceBudgetBytes >> 20) + " MiB trace budget");
  trace->add_option("--backend", opt->backend, "Where the kernel runs: auto, cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  trace->add_option("--lesson", opt->lesson_path, "Take the problem from a lesson file");
  trace->add_option("--out", opt->out_path, "Trace file to write")->required();
  trace->add_option("--save-o", opt->save_o, "Also write the output O (N x d) as a float32 .npy file");
  trace->add_option("--save-l", opt->save_l, "Also write L = m + log l (N) as a float32 .npy file");
  trace->add_option("--summary", opt->summary_path,
                    "Also write the precision summary (exact ones, signed error of O with its 99% CI, delta "
                    "drift) as JSON; - for standard output");

  CLI::App* drift = app.add_subcommand(
      "drift", "Repeat a problem over fresh seeds, standard and stabilized softmax, and report the delta drift");
  AddProblemOptions(drift, &opt->flags);
  drift->add_option("--backend", opt->backend, "Where the kernel runs: auto, cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  drift->add_option("--lesson", opt->lesson_path, "Take the problem from a lesson file");
  AddIntOption(drift, "--runs", &opt->drift_runs, 1, 1000, "Seeds to run, from --seed on (1..1000)");
  drift->add_option("--out", opt->out_path, "Write the JSON here instead of standard output");
  drift->add_option("--csv", opt->csv_path, "Also write one CSV line per run");

  CLI::App* limits = app.add_subcommand(
      "limits", "Compute the limits of softmax normalization on random unit keys: flattening over L, selection of "
                "N tokens, the Jacobian's norm over T; JSON");
  limits->add_option("--l", opt->limits_l, "Context lengths L, comma-separated, each 2..65536")->delimiter(',');
  limits->add_option("--t", opt->limits_t, "Temperatures T for the Jacobian, comma-separated, each 0.001..1000")
      ->delimiter(',');
  limits->add_option("--n-selected", opt->limits_n,
                     "Selected-token counts N, comma-separated (each run at every L above it)")
      ->delimiter(',');
  AddIntOption(limits, "--d", &opt->limits_d, 1, 1024, "Dimension of the keys and the query (1..1024)");
  limits->add_option("--bound", opt->limits_bound, "Logit bound B: every logit in [-B, B] (0 < B <= 50)");
  limits->add_option("--seed", opt->limits_seed, "Seed of the random keys and query");
  limits->add_option("--json", opt->out_path, "Write the JSON here instead of standard output");

  CLI::App* bench = app.add_subcommand("bench", "Time the CUDA kernels on full problems (needs a GPU)");
  bench->add_option("--shape", opt->shapes,
                    "Shape BxHxNxD, with a trailing c for causal (e.g. 2x16x8192x128c); repeatable. "
                    "Default: a set of shapes with 16k tokens per batch");
  AddIntOption(bench, "--warmup", &opt->warmup, 0, 1000, "Untimed runs first");
  AddIntOption(bench, "--repeats", &opt->repeats, 1, 10000, "Timed runs (median reported)");
  bench->add_option("--json", opt->json_path, "Also write the results as JSON");
  bench->add_option("--kernels", opt->kernels, "Kernels to run, comma-separated: " + KernelChoices() + " (default: all)")
      ->delimiter(',');
  bench->add_option("--dtype", opt->dtypes,
                    "Storage formats of Q, K, V, O, comma-separated: " + FormatChoices() + " (default: fp32,bf16)")
      ->delimiter(',');
  bench->add_flag("--sweep", opt->sweep, "Also time fa2_mma at every tile of its Br x Bc sweep (bf16, d = 64, 128)");
  bench->add_flag("--no-ceilings", opt->no_ceilings, "Skip measuring the GEMM and copy ceilings");
  AddNumericOptions(bench, &opt->flags, false);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // help printed, or the message saying what was wrong
  }
  if (*shot) opt->command = Command::kShot;
  if (*trace) opt->command = Command::kTrace;
  if (*bench) {
    opt->command = Command::kBench;
    opt->precision_given = bench->count("--precision") > 0;
    for (const PrecisionStage& stage : kPrecisionStages)
      if (bench->count(std::string("--") + stage.name) > 0) opt->precision_given = true;
  }
  if (*drift) opt->command = Command::kDrift;
  if (*limits) opt->command = Command::kLimits;
  if (*exporter) opt->command = Command::kExport;
  if (!opt->size_text.empty() && !ParseSize(opt->size_text, &opt->width, &opt->height)) {
    std::fprintf(stderr, "--size is %s; allowed: WxH with W in %d..%d and H in %d..%d\n",
                 Excerpt(opt->size_text).c_str(), kMinWidth, kMaxWidth, kMinHeight, kMaxHeight);
    return 2;
  }
  const int scale = opt->capture.pixel_scale;
  if (opt->width * scale > kMaxWidth || opt->height * scale > kMaxHeight) {
    std::fprintf(stderr,
                 "--capture-scale %d at --size %dx%d makes a %dx%d image; allowed: at most %dx%d (a smaller --size "
                 "or --capture-scale)\n",
                 scale, opt->width, opt->height, opt->width * scale, opt->height * scale, kMaxWidth, kMaxHeight);
    return 2;
  }
  if (!opt->video_path.empty()) {
    const auto ends_with = [&](const char* ext) {
      const std::string e = ext;
      return opt->video_path.size() > e.size() && opt->video_path.compare(opt->video_path.size() - e.size(),
                                                                          e.size(), e) == 0;
    };
    if (!ends_with(".mp4") && !ends_with(".gif")) {
      std::fprintf(stderr, "--video is %s; allowed: a file name ending in .mp4 or .gif\n",
                   Excerpt(opt->video_path).c_str());
      return 2;
    }
    if (opt->steps.text.empty() && opt->beats.text.empty()) {
      std::fprintf(stderr, "--video makes an animation from a sequence: give --steps A..B or --beats all|A..B\n");
      return 2;
    }
  }
  return kGoOn;
}

}  // namespace fs
