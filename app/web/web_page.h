// The web page's link to its URL: ?lesson=NAME&beat=K opens a bundled lesson at a beat (K from
// 1, as the lesson panel counts), and the page keeps the URL on the lesson and beat shown, so
// that a slide can link straight to a view and a student can share where they are.
#pragma once

#include <string>

#include "app_state.h"
#include "cli.h"
#include "url_query.h"

namespace fs {

// Where the page's bundle holds the lessons (the preloaded scenarios/lessons).
constexpr const char* kWebLessonDir = "/lessons";

// The options for InitState from the page's URL (the browser's location.search).
Options WebOptions();
// After InitState: the URL's problem fields on top of the lesson's beat, run on the state's
// worker (a long problem shows its progress instead of holding the page's first frame). What the
// URL asked for that cannot be shown (fields that cannot go on top of that problem, a lesson or
// beat refused) is named in the status line, and stays there once the run is shown.
void RequestUrlProblem(AppState& s);
// After each frame: the URL follows the lesson, beat and problem shown (UrlQueryFor).
void AfterWebFrame(const AppState& s);

}  // namespace fs
