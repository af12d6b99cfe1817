// libFuzzer harness for the lesson loader: any text gives a Lesson or a LessonError.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "excerpt.h"
#include "lesson.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const fs::Lesson lesson = fs::ParseLesson(text, "fuzz.json");
    // What the window will draw stays within the limits it can draw.
    if (fs::Utf8Length(lesson.title) > fs::kMaxLessonTitleChars || lesson.beats.empty()) std::abort();
    for (const fs::Beat& b : lesson.beats)
      if (fs::Utf8Length(b.title) > fs::kMaxLessonTitleChars || fs::Utf8Length(b.text) > fs::kMaxLessonTextChars)
        std::abort();
  } catch (const fs::LessonError&) {
  }
  return 0;
}
