#include "trace_diff.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "fmath.h"

namespace fs {
namespace {

// Maps float bits to an integer line on which adjacent floats are adjacent integers.
int64_t Ordered(float f) {
  const uint32_t u = FloatToBits(f);
  return (u & 0x80000000u) ? -static_cast<int64_t>(u & 0x7fffffffu) : static_cast<int64_t>(u);
}


void Accumulate(TraceDiff* d, const float* a, const float* b, size_t n, int step, const char* field) {
  for (size_t i = 0; i < n; ++i) {
    ++d->values;
    const uint32_t ulp = UlpDistance(a[i], b[i]);
    if (ulp == 0) continue;
    ++d->differing;
    d->max_ulp = std::max(d->max_ulp, ulp);
    if (std::isfinite(a[i]) && std::isfinite(b[i]))
      d->max_abs = std::max(d->max_abs, std::fabs(static_cast<double>(a[i]) - b[i]));
    if (d->first_field.empty()) {
      d->first_step = step;
      d->first_field = field;
    }
  }
}

}  // namespace

uint32_t UlpDistance(float a, float b) {
  if (FloatToBits(a) == FloatToBits(b)) return 0;
  const bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return na && nb ? 0 : std::numeric_limits<uint32_t>::max();
  const int64_t d = Ordered(a) - Ordered(b);
  const uint64_t mag = static_cast<uint64_t>(d < 0 ? -d : d);
  return mag > std::numeric_limits<uint32_t>::max() ? std::numeric_limits<uint32_t>::max()
                                                    : static_cast<uint32_t>(mag);
}

TraceDiff CompareTraces(const Trace& a, const Trace& b) {
  if (a.problem == b.problem && a.window != b.window)
    throw std::invalid_argument("the traces hold different steps: " + WindowNote(a) + " vs " + WindowNote(b));
  if (a.problem != b.problem || !(a.layout == b.layout) || a.data.size() != b.data.size() ||
      a.o.size() != b.o.size() || a.lse.size() != b.lse.size())
    throw std::invalid_argument("the traces are of different problems: " + Describe(a.problem) + " vs " +
                                Describe(b.problem));
  TraceDiff d;
  for (int k : a.HeldSteps())
    for (const TraceFieldInfo& f : kTraceFields)
      if (a.layout.has[f.id]) Accumulate(&d, a.Field(k, f.id), b.Field(k, f.id), a.layout.FieldFloats(f), k, f.name);
  Accumulate(&d, a.o.data(), b.o.data(), a.o.size(), -1, "O");
  Accumulate(&d, a.lse.data(), b.lse.data(), a.lse.size(), -1, "L");
  return d;
}

std::vector<float> StepUlpMap(const Trace& a, const Trace& b, int step, const std::string& field) {
  for (const TraceFieldInfo& f : kTraceFields) {
    if (field != f.name) continue;
    // Empty when the loop order does not record the field or the step is not held.
    std::vector<float> out(a.Holds(step) && b.Holds(step) ? a.layout.FieldFloats(f) : 0);
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<float>(UlpDistance(a.Field(step, f.id)[i], b.Field(step, f.id)[i]));
    return out;
  }
  throw std::invalid_argument("no trace field named " + field);
}

}  // namespace fs
