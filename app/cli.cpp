#include "cli.h"

#include <CLI/CLI.hpp>

#include <cstdio>

#include "panel_list.h"

namespace fs {
namespace {


// The options that define a Problem, shared by the window, shot and trace.
template <typename T>
void AddField(CLI::App* app, ProblemFlags* f, const std::string& name, T Problem::*member,
              const std::string& help) {
  app->add_option_function<T>(
         name, [f, member](const T& v) { f->edits.push_back([member, v](Problem& p) { p.*member = v; }); },
         help)
      ->group("Problem");
}

// Precision (a preset, then per-stage overrides: CLI11 applies options in the order they are
// defined, so `--precision fa2-bf16 --acc bf16` keeps the override) and the softmax variant.
void AddNumericOptions(CLI::App* app, ProblemFlags* f) {
  app->add_option_function<std::string>(
         "--precision",
         [f](const std::string& name) {
           Precision preset;
           if (!ParsePrecisionPreset(name, &preset))
             throw CLI::ValidationError("--precision", "\"" + name + "\" is not a preset; allowed: " +
                                                           PrecisionPresetChoices());
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
             if (!ParseFormat(name, &format))
               throw CLI::ValidationError(flag, "\"" + name + "\" is not a format; allowed: " + FormatChoices());
             f->edits.push_back([member, format](Problem& p) { p.precision.*member = format; });
           },
           std::string("Format of ") + stage.meaning + ": " + FormatChoices() + " (overrides the preset)")
        ->group("Numerics");
  }
  app->add_option_function<std::string>(
         "--softmax",
         [f](const std::string& name) {
           Softmax softmax;
           if (!ParseSoftmax(name, &softmax))
             throw CLI::ValidationError("--softmax", "\"" + name + "\" is not a softmax variant; allowed: " +
                                                         SoftmaxChoices());
           f->edits.push_back([softmax](Problem& p) { p.softmax = softmax; });
         },
         "Softmax: standard, or stabilized (shift m' = beta r_m for tied maxima)")
      ->group("Numerics");
  AddField(app, f, "--beta", &Problem::beta, "Stabilized softmax: beta, 1 < beta <= 16 (default 2)");
  AddField(app, f, "--eps", &Problem::eps, "Stabilized softmax: scores within eps of the max are ties (default 1e-3)");
  AddField(app, f, "--dout", &Problem::dout_path, "Upstream gradient dO (N x d) from a .npy file, for delta");
  for (auto* option : {app->get_option("--beta"), app->get_option("--eps"), app->get_option("--dout")})
    option->group("Numerics");
}

void AddProblemOptions(CLI::App* app, ProblemFlags* f) {
  AddField(app, f, "-n,--n", &Problem::n, "Sequence length N, 1.." + std::to_string(kMaxStepN));
  AddField(app, f, "-d,--d", &Problem::d, "Head dimension d: " + AllowedList(kAllowedD));
  AddField(app, f, "--br", &Problem::br, "Q block rows Br: " + AllowedList(kAllowedBlock));
  AddField(app, f, "--bc", &Problem::bc, "K/V block rows Bc: " + AllowedList(kAllowedBlock));
  AddField(app, f, "--softmax-scale", &Problem::scale, "Softmax scale (default 1/sqrt(d))");
  AddField(app, f, "--seed", &Problem::seed, "Seed of the generated inputs");
  AddField(app, f, "--rank", &Problem::rank, "Rank of Q and K for --pattern lowrank");
  app->add_flag_function(
         "--causal", [f](int64_t) { f->edits.push_back([](Problem& p) { p.causal = true; }); },
         "Causal mask (keys after the query are hidden)")
      ->group("Problem");
  app->add_option_function<std::string>(
         "--pattern",
         [f](const std::string& name) {
           Pattern pattern;
           if (!ParsePattern(name, &pattern))
             throw CLI::ValidationError("--pattern", "\"" + name + "\" is not a pattern; allowed: " + PatternChoices());
           f->edits.push_back([pattern](Problem& p) { p.pattern = pattern; });
         },
         "Input pattern: " + PatternChoices())
      ->group("Problem");
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

void AddViewOptions(CLI::App* app, Options* opt) {
  app->add_option("--lesson", opt->lesson_path, "Lesson file (JSON); default: the introduction");
  app->add_option("--beat", opt->beat, "Lesson beat to show, from 0");
  app->add_option("--step", opt->step, "Loop step to show, from 0");
  app->add_option("--row", opt->row, "Query row to follow in the online-softmax panel");
  app->add_option("--backend", opt->backend, "Where the kernel runs: auto, cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app->add_option("--scale", opt->ui_scale, "UI scale (fonts and spacing), 0.5..4")
      ->check(CLI::Range(0.5f, 4.0f));
  app->add_flag("--light", opt->light, "Light theme (for projectors and slides)");
  app->add_option("--panels", opt->panels,
                  "Panels to show, comma-separated; the first named in an area is its front tab: " + PanelNameChoices())
      ->delimiter(',')
      ->check(CLI::IsMember(PanelNameList()));
  app->add_option("--size", opt->size_text, "Window or image size WxH in pixels, 320x240..7680x4320")
      ->default_str("1920x1080");
}

bool ParseSize(const std::string& s, int* w, int* h) {
  int a = 0, b = 0;
  char x = 0, extra = 0;
  if (std::sscanf(s.c_str(), "%d%c%d%c", &a, &x, &b, &extra) != 3 || (x != 'x' && x != 'X')) return false;
  if (a < 320 || b < 240 || a > 7680 || b > 4320) return false;
  *w = a;
  *h = b;
  return true;
}

}  // namespace

int ParseCommandLine(int argc, char** argv, Options* opt) {
  CLI::App app{
      "FlashScope: step through FlashAttention-2's tiled loop on a real kernel and see the tiles, "
      "the online softmax and the scores.\n"
      "Without a command it opens the window on the default lesson."};
  app.set_help_all_flag("--help-all", "Help for every command");
  AddProblemOptions(&app, &opt->flags);
  AddViewOptions(&app, opt);
  app.add_option("--open", opt->open_path, "Open a trace file recorded with `flashscope trace`");
  app.add_option("--measure-frames", opt->measure_frames,
                 "Draw this many frames without vsync, print the mean frame time and exit")
      ->check(CLI::Range(1, 100000));

  CLI::App* shot = app.add_subcommand(
      "shot", "Render the window's panels headless to a PNG (needs an X display; xvfb-run works)");
  AddProblemOptions(shot, &opt->flags);
  AddViewOptions(shot, opt);
  shot->add_option("--open", opt->open_path, "Render a trace file instead of running a problem");
  shot->add_option("--out", opt->out_path, "PNG file to write")->required();

  CLI::App* trace = app.add_subcommand("trace", "Run a problem, record every step and write a trace file");
  AddProblemOptions(trace, &opt->flags);
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
  drift->add_option("--runs", opt->drift_runs, "Seeds to run, from --seed on (1..1000)")->check(CLI::Range(1, 1000));
  drift->add_option("--out", opt->out_path, "Write the JSON here instead of standard output");
  drift->add_option("--csv", opt->csv_path, "Also write one CSV line per run");

  CLI::App* bench = app.add_subcommand("bench", "Time the CUDA kernels on full problems (needs a GPU)");
  bench->add_option("--shape", opt->shapes,
                    "Shape BxHxNxD, with a trailing c for causal (e.g. 2x16x8192x128c); repeatable. "
                    "Default: a set of shapes with 16k tokens per batch");
  bench->add_option("--warmup", opt->warmup, "Untimed runs first")->check(CLI::Range(0, 1000));
  bench->add_option("--repeats", opt->repeats, "Timed runs (median reported)")->check(CLI::Range(1, 10000));
  bench->add_option("--json", opt->json_path, "Also write the results as JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // help printed, or the message saying what was wrong
  }
  if (*shot) opt->command = Command::kShot;
  if (*trace) opt->command = Command::kTrace;
  if (*bench) opt->command = Command::kBench;
  if (*drift) opt->command = Command::kDrift;
  if (!opt->size_text.empty() && !ParseSize(opt->size_text, &opt->width, &opt->height)) {
    std::fprintf(stderr, "--size is \"%s\"; allowed: WxH with W in 320..7680 and H in 240..4320\n",
                 opt->size_text.c_str());
    return 2;
  }
  return kGoOn;
}

}  // namespace fs
