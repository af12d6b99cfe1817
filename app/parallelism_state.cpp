#include "parallelism_state.h"

#include <algorithm>

#include "app_state.h"
#include "backend.h"

namespace fs {

std::string PictureGpuName(const ParallelismView& v) {
  if (v.gpu < 0) return "This GPU: " + (v.device_fa2 ? v.device_fa2->gpu.name : std::string("none"));
  return kGpuSpecs[std::clamp(v.gpu, 0, static_cast<int>(std::size(kGpuSpecs)) - 1)].name;
}

namespace {

LaunchPicture Picture(const GpuSpec& gpu, TeachKernel k, const Problem& p, int64_t bh,
                      const std::optional<DeviceOccupancy>& device) {
  LaunchPicture l;
  l.use = device ? device->use : TeachKernelUse(k, p);
  if (device) l.api_blocks_per_sm = device->blocks_per_sm;
  l.plan = PlanGrid(gpu, l.use, TeachBlocks(k, p, bh));
  l.load = PlanSmLoad(gpu.sms, k, p, bh);
  return l;
}

// The runtime's answers for p's shape on this device; the error says why not.
void AskDevice(ParallelismView& v, const Problem& p) {
  v.device_fa2.reset();
  v.device_fa1.reset();
  v.device_error.clear();
  try {
    v.device_fa2 = QueryTeachOccupancy(TeachKernel::kFa2Teach, p);
    v.device_fa1 = QueryTeachOccupancy(TeachKernel::kFa1, p);
  } catch (const std::exception& e) {
    v.device_error = e.what();
    v.device_fa2.reset();
    v.device_fa1.reset();
  }
}

bool SameLaunchShape(const Problem& a, const Problem& b) { return a.d == b.d && a.br == b.br && a.bc == b.bc; }

}  // namespace

void UpdateParallelism(AppState& s) {
  ParallelismView& v = s.parallelism;
  // With the CUDA backend in use, this device is pictured first.
  if (!v.device_tried && s.backend_kind == BackendKind::kCuda) {
    v.device_tried = true;
    v.gpu = -1;
  }
  v.bh = std::clamp(v.bh, 1, kMaxPictureHeads);
  if (v.gpu >= static_cast<int>(std::size(kGpuSpecs)) || v.gpu < -1) v.gpu = 0;
  const Problem& p = s.problem;
  if (v.computed && v.of == p && v.of_gpu == v.gpu && v.of_bh == v.bh) return;
  v.error.clear();
  try {
    if (v.gpu < 0 && !(v.device_asked && SameLaunchShape(v.device_of, p))) {
      AskDevice(v, p);
      v.device_asked = true;
      v.device_of = p;
    }
    if (v.gpu < 0 && !v.device_fa2) v.gpu = 0;  // no device to picture: the list's first, and the panel says why
    const bool device = v.gpu < 0;
    v.spec = device ? v.device_fa2->gpu : kGpuSpecs[v.gpu];
    v.fa2 = Picture(v.spec, TeachKernel::kFa2Teach, p, v.bh, device ? v.device_fa2 : std::nullopt);
    v.fa1 = Picture(v.spec, TeachKernel::kFa1, p, v.bh, device ? v.device_fa1 : std::nullopt);
    const int64_t waves = std::max<int64_t>(1, std::max(v.fa2.plan.waves, v.fa1.plan.waves));
    v.wave = static_cast<int>(std::clamp<int64_t>(v.wave, 0, waves - 1));
  } catch (const std::exception& e) {
    v.error = e.what();
  }
  v.computed = true;
  v.of = p;
  v.of_gpu = v.gpu;
  v.of_bh = v.bh;
}

}  // namespace fs
