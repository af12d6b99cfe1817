#include "limits_state.h"

#include <algorithm>
#include <functional>

#include "app_state.h"

namespace fs {

void UpdateLimits(AppState& s) {
  LimitsLab& lab = s.limits;
  if (!lab.changed) return;
  lab.changed = false;
  lab.error.clear();
  lab.flatten.clear();
  lab.selection.clear();
  lab.jacobian.clear();
  lab.sorted_weights.clear();
  try {
    lab.l = std::clamp(lab.l, kMinLimitsL, kMaxLimitsL);
    lab.n = std::clamp(lab.n, 1, lab.l - 1);
    // The logits at the longest L serve every L and T (LimitsLogits).
    const std::vector<double> z = LimitsLogits(lab.setup, kMaxLimitsL);
    for (int l = 16; l <= kMaxLimitsL; l *= 2) lab.flatten.push_back(FlattenAt(lab.setup, z, l));
    for (int n = 1; n < lab.l; n *= 2) lab.selection.push_back(Select(lab.setup, lab.l, n));
    for (double t = 0.01; t <= 10.0 * (1 + 1e-9); t *= 1.25)
      lab.jacobian.push_back(JacobianAt(lab.setup, z, lab.l, t));
    lab.at_l = FlattenAt(lab.setup, z, lab.l);
    lab.at_n = Select(lab.setup, lab.l, lab.n);
    lab.at_t = JacobianAt(lab.setup, z, lab.l, lab.setup.temperature);
    lab.sorted_weights = LimitsWeights(lab.setup, z, lab.l);
    std::sort(lab.sorted_weights.begin(), lab.sorted_weights.end(), std::greater<double>());
  } catch (const std::exception& e) {
    lab.error = e.what();
  }
}

}  // namespace fs
