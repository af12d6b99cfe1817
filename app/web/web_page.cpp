#include "web_page.h"

#include <emscripten.h>

#include <cstdio>
#include <cstdlib>

#include "run_worker.h"
#include "trace_file.h"

namespace fs {
namespace {

std::string g_last_query;  // what the URL was last set to
std::string g_url_refusal;  // what the URL asked for that was left out, and why
const Trace* g_reported = nullptr;  // the trace whose digest was last printed
nlohmann::json g_url_problem;  // the URL's problem fields, checked, for RequestUrlProblem

}  // namespace

Options WebOptions() {
  char* search = emscripten_run_script_string("window.location.search");
  const UrlChoice c = ParseUrlQuery(search ? search : "");
  Options opt;
  opt.backend = "cpu";
  opt.width = EM_ASM_INT({ return window.innerWidth; });
  opt.height = EM_ASM_INT({ return window.innerHeight; });
  opt.ui_scale = 1.0f;
  if (!c.lesson.empty()) opt.lesson_path = std::string(kWebLessonDir) + "/" + c.lesson + ".json";
  if (c.beat > 0) opt.beat = c.beat - 1;
  g_url_refusal = c.refused;
  g_url_problem = c.problem;
  return opt;
}

void RequestUrlProblem(AppState& s) {
  Problem p = s.problem;
  const std::string why = ApplyUrlProblem(g_url_problem, &p);
  if (!why.empty()) g_url_refusal += (g_url_refusal.empty() ? "" : "; ") + why;
  if (!g_url_refusal.empty()) {
    std::fprintf(stderr, "flashscope: the URL's %s\n", g_url_refusal.c_str());
    s.status = {"The link asked for what cannot be shown: " + g_url_refusal, true};
  }
  if (!why.empty() || p == s.problem) return;
  // The run's own status line would hide a refusal shown now (the link's, or a lesson that did
  // not open), which InitState keeps when it runs the problem itself.
  const Status refused = s.status;
  RequestProblem(s, p, [refused](AppState& s) {
    if (refused.error) s.status = refused;
  });
}

void AfterWebFrame(const AppState& s) {
  // Each new trace is named on the console with its digest, which the native build prints for
  // the same problem (flashscope trace), so that the two can be compared bit for bit.
  if (s.trace && s.trace.get() != g_reported) {
    g_reported = s.trace.get();
    std::printf("flashscope page: %s%s, beat %d: %s, %d steps, trace digest %016llx\n",
                s.lesson ? "lesson " : "no lesson", s.lesson ? s.lesson->path.c_str() : "", s.beat + 1,
                Describe(s.trace->problem).c_str(), s.trace->StepCount(),
                static_cast<unsigned long long>(TraceDigest(*s.trace)));
  }
  // A trace or .npy inputs from the user's files cannot be linked to: the bare page. While a run
  // for the shown problem is under way, the URL waits for it (it may be the link's own problem).
  if (s.runs) {
    const RunProgressView run = s.runs->Progress(RunLane::kShow);
    if (run.busy || run.unapplied) return;
  }
  const bool linkable = s.lesson && s.trace_file.empty() && s.beat < static_cast<int>(s.lesson->beats.size());
  const std::string query =
      linkable ? UrlQueryFor(s.lesson->path, s.beat, s.lesson->beats[s.beat].problem, s.problem) : "";
  if (query == g_last_query) return;
  g_last_query = query;
  EM_ASM({ window.history.replaceState(null, "", UTF8ToString($0) || window.location.pathname); }, query.c_str());
}

}  // namespace fs
