#include "problem_json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "excerpt.h"

namespace fs {
namespace {

using nlohmann::json;

constexpr const char* kFields[] = {"n",    "d",    "br", "bc", "causal",    "scale",   "seed",
                                   "pattern", "rank", "q",  "k",  "v", "dout", "precision",
                                   "softmax", "beta", "eps", "order"};

std::string FieldList() {
  std::string out;
  for (const char* f : kFields) out += (out.empty() ? "" : ", ") + std::string(f);
  return out;
}

// ProblemErrors() names fields for people ("Br (Q block rows) is 48; allowed: ...");
// in a JSON file the key is the better name. Messages not listed here pass through.
constexpr struct {
  const char* label;
  const char* key;
} kErrorLabels[] = {
    {"N (sequence length)", "n"}, {"d (head dimension)", "d"}, {"Br (Q block rows)", "br"},
    {"Bc (K/V block rows)", "bc"}, {"scale", "scale"},         {"rank", "rank"},
    {"beta", "beta"},              {"eps", "eps"},
};

std::string StageList() {
  std::string out;
  for (const auto& st : kPrecisionStages) out += (out.empty() ? "" : ", ") + std::string(st.name);
  return out;
}

constexpr size_t kMaxPathBytes = 4096;  // PATH_MAX on Linux
constexpr size_t kMaxErrorsShown = 8;

// Keys come from the file too: quoted and escaped, never raw.
std::string Quote(const std::string& key) { return Excerpt(key); }

std::string ShownValue(const json& v) { return JsonExcerpt(v); }

class FieldReader {
 public:
  FieldReader(const json& j, const std::string& where) : j_(j), where_(where) {}

  void Error(const std::string& what) { errors_.push_back(where_ + ": " + what); }
  const std::vector<std::string>& Errors() const { return errors_; }

  void WrongType(const std::string& key, const std::string& allowed) {
    const json& v = j_.at(key);
    Error("field " + Quote(key) + " is " + ShownValue(v) + " (" + v.type_name() +
          "); allowed: " + allowed);
  }

  // Out-of-range integers become the nearest int, which ProblemErrors() then refuses with
  // the field's allowed range; the message shows the value as written.
  void Int(const std::string& key, int* out) {
    if (!j_.contains(key)) return;
    const json& v = j_.at(key);
    if (v.is_number_unsigned()) {
      const uint64_t u = v.get<uint64_t>();
      *out = u > static_cast<uint64_t>(std::numeric_limits<int>::max())
                 ? std::numeric_limits<int>::max()
                 : static_cast<int>(u);
    } else if (v.is_number_integer()) {
      const int64_t s = v.get<int64_t>();
      *out = s < std::numeric_limits<int>::min() ? std::numeric_limits<int>::min()
             : s > std::numeric_limits<int>::max() ? std::numeric_limits<int>::max()
                                                   : static_cast<int>(s);
    } else {
      WrongType(key, "an integer");
    }
  }

  void Bool(const std::string& key, bool* out) {
    if (!j_.contains(key)) return;
    const json& v = j_.at(key);
    if (v.is_boolean()) *out = v.get<bool>();
    else WrongType(key, "true or false");
  }

  // The value is checked as the double it was written as: converting 1e-46 or 1e39 to
  // float would silently give 0 or infinity.
  void Scale(const std::string& key, float* out) {
    if (!j_.contains(key)) return;
    const json& v = j_.at(key);
    if (!v.is_number()) {
      WrongType(key, "a number");
      return;
    }
    const double value = v.get<double>();
    if (!ScaleIsAllowed(std::fabs(value))) {
      Error("field " + Quote(key) + " is " + ShownValue(v) + "; allowed: " + kScaleAllowed);
      return;
    }
    *out = static_cast<float>(value);  // negative values are refused by ProblemErrors()
  }

  // A number that ProblemErrors() range-checks as a float (beta, eps); one too large for a
  // float becomes inf there and is refused with the value as written.
  void Float(const std::string& key, float* out) {
    if (!j_.contains(key)) return;
    const json& v = j_.at(key);
    if (v.is_number()) *out = static_cast<float>(v.get<double>());
    else WrongType(key, "a number");
  }

  void Seed(const std::string& key, uint64_t* out) {
    if (!j_.contains(key)) return;
    const json& v = j_.at(key);
    if (v.is_number_unsigned()) {
      *out = v.get<uint64_t>();
    } else if (v.is_number_integer()) {
      Error("field " + Quote(key) + " is " + ShownValue(v) + "; allowed: an integer from 0 to " +
            std::to_string(std::numeric_limits<uint64_t>::max()));
    } else {
      WrongType(key, "an integer from 0 to " +
                         std::to_string(std::numeric_limits<uint64_t>::max()));
    }
  }

  // A file name: it will be opened and shown in messages, so no control characters.
  void Path(const std::string& key, std::string* out) {
    if (!j_.contains(key)) return;
    const json& v = j_.at(key);
    if (!v.is_string()) {
      WrongType(key, "a string");
      return;
    }
    const std::string& path = v.get_ref<const std::string&>();
    if (path.size() > kMaxPathBytes || HasControlChars(path)) {
      Error("field " + Quote(key) + " is " + ShownValue(v) + "; allowed: a file path of at most " +
            std::to_string(kMaxPathBytes) + " bytes without control characters");
      return;
    }
    *out = path;
  }

  void PatternField(const std::string& key, Pattern* out) {
    if (!j_.contains(key)) return;
    const json& v = j_.at(key);
    if (!v.is_string()) {
      WrongType(key, PatternChoices());
      return;
    }
    if (!ParsePattern(v.get<std::string>(), out))
      Error("field " + Quote(key) + " is " + ShownValue(v) + "; allowed: " + PatternChoices());
  }

  // A name of an enum (softmax, order): `parse` reads it, `choices` lists what is allowed.
  template <typename E>
  void Choice(const std::string& key, E* out, bool (*parse)(const std::string&, E*), const std::string& choices) {
    if (!j_.contains(key)) return;
    const json& v = j_.at(key);
    if (!v.is_string() || !parse(v.get<std::string>(), out))
      Error("field " + Quote(key) + " is " + ShownValue(v) + "; allowed: " + choices);
  }

  // "precision": a preset name ("paper-bf16"), or an object with an optional "preset" and
  // any stage set on top of it ({"preset": "fa2-bf16", "acc": "bf16"}).
  void PrecisionField(const std::string& key, Precision* out) {
    if (!j_.contains(key)) return;
    const json& v = j_.at(key);
    const std::string presets = "a preset (" + PrecisionPresetChoices() +
                                ") or an object with \"preset\" and stages (" + StageList() +
                                ") each one of " + FormatChoices();
    if (v.is_string()) {
      if (!ParsePrecisionPreset(v.get<std::string>(), out))
        Error("field " + Quote(key) + " is " + ShownValue(v) + "; allowed: " + presets);
      return;
    }
    if (!v.is_object()) {
      WrongType(key, presets);
      return;
    }
    if (v.contains("preset") &&
        (!v.at("preset").is_string() || !ParsePrecisionPreset(v.at("preset").get<std::string>(), out)))
      Error("field \"precision.preset\" is " + ShownValue(v.at("preset")) + "; allowed: " +
            PrecisionPresetChoices());
    for (const auto& item : v.items()) {
      if (item.key() == "preset") continue;
      const PrecisionStage* stage = nullptr;
      for (const auto& st : kPrecisionStages)
        if (item.key() == st.name) stage = &st;
      Format f;
      if (!stage)
        Error("unknown field " + Quote("precision." + item.key()) + "; allowed: preset, " + StageList());
      else if (!item.value().is_string() || !ParseFormat(item.value().get<std::string>(), &f))
        Error("field " + Quote("precision." + item.key()) + " is " + ShownValue(item.value()) +
              "; allowed: " + FormatChoices());
      else
        out->*(stage->member) = f;
    }
  }

  // A ProblemErrors() message in the file's terms: `field "br" is 48; allowed: ...`.
  void ProblemMessage(const std::string& message) {
    for (const auto& e : kErrorLabels) {
      const std::string prefix = std::string(e.label) + " is ";
      const size_t value_end = message.find(';');
      if (message.compare(0, prefix.size(), prefix) != 0 || value_end == std::string::npos)
        continue;
      const std::string value = j_.contains(e.key)
                                    ? ShownValue(j_.at(e.key))
                                    : message.substr(prefix.size(), value_end - prefix.size());
      Error("field " + Quote(e.key) + " is " + value + message.substr(value_end));
      return;
    }
    Error(message);
  }

 private:
  const json& j_;
  const std::string& where_;
  std::vector<std::string> errors_;
};

}  // namespace

json ProblemToJson(const Problem& p) {
  json j;
  j["n"] = p.n;
  j["d"] = p.d;
  j["br"] = p.br;
  j["bc"] = p.bc;
  j["causal"] = p.causal;
  j["scale"] = static_cast<double>(p.scale);  // exact: every float is a double
  j["seed"] = p.seed;
  j["pattern"] = PatternName(p.pattern);
  j["rank"] = p.rank;
  if (p.pattern == Pattern::kNpy) {
    j["q"] = p.q_path;
    j["k"] = p.k_path;
    j["v"] = p.v_path;
  }
  if (!p.dout_path.empty()) j["dout"] = p.dout_path;
  json precision = json::object();
  for (const auto& st : kPrecisionStages) precision[st.name] = FormatName(p.precision.*st.member);
  j["precision"] = precision;
  j["softmax"] = SoftmaxName(p.softmax);
  j["beta"] = static_cast<double>(p.beta);
  j["eps"] = static_cast<double>(p.eps);
  j["order"] = LoopOrderName(p.order);  // which loop order a trace file's steps follow
  return j;
}

Problem ProblemFromJson(const json& j, const std::string& where) {
  if (!j.is_object())
    throw ProblemError(where + ": is " + ShownValue(j) + " (" + j.type_name() +
                       "); allowed: an object with the fields " + FieldList());
  Problem p;
  FieldReader r(j, where);
  for (const auto& item : j.items()) {
    bool known = false;
    for (const char* f : kFields) known = known || item.key() == f;
    if (!known) r.Error("unknown field " + Quote(item.key()) + "; allowed: " + FieldList());
  }
  r.Int("n", &p.n);
  r.Int("d", &p.d);
  r.Int("br", &p.br);
  r.Int("bc", &p.bc);
  r.Bool("causal", &p.causal);
  r.Scale("scale", &p.scale);
  r.Seed("seed", &p.seed);
  r.PatternField("pattern", &p.pattern);
  r.Int("rank", &p.rank);
  r.Path("q", &p.q_path);
  r.Path("k", &p.k_path);
  r.Path("v", &p.v_path);
  r.Path("dout", &p.dout_path);
  r.PrecisionField("precision", &p.precision);
  r.Choice("softmax", &p.softmax, ParseSoftmax, SoftmaxChoices());
  r.Float("beta", &p.beta);
  r.Float("eps", &p.eps);
  r.Choice("order", &p.order, ParseLoopOrder, LoopOrderChoices());
  // ProblemErrors() words the q, k, v rule for the command line (--q ...); here it is said
  // with the file's keys instead, and that message is not repeated.
  const std::pair<const char*, const std::string*> files[] = {
      {"q", &p.q_path}, {"k", &p.k_path}, {"v", &p.v_path}};
  std::string missing;
  for (const auto& [key, file_path] : files) {
    if (p.pattern != Pattern::kNpy && j.contains(key))
      r.Error("field " + Quote(key) + " is set but pattern is " + Quote(PatternName(p.pattern)) +
              "; q, k and v are read only with pattern \"npy\"");
    if (p.pattern == Pattern::kNpy && file_path->empty())
      missing += (missing.empty() ? "" : ", ") + Quote(key);
  }
  if (!missing.empty())
    r.Error("pattern \"npy\" needs the fields \"q\", \"k\" and \"v\" (paths of .npy files, "
            "float32 or float16, N x d); missing or empty: " + missing);
  for (const std::string& message : ProblemErrors(p))
    if (missing.empty() || message.rfind("pattern npy", 0) != 0) r.ProblemMessage(message);

  if (!r.Errors().empty()) {
    // A file with thousands of bad keys gets a readable message, not thousands of lines.
    const auto& errors = r.Errors();
    const size_t shown = std::min(errors.size(), kMaxErrorsShown);
    std::string joined;
    for (size_t i = 0; i < shown; ++i) joined += (joined.empty() ? "" : "\n") + errors[i];
    if (errors.size() > shown)
      joined += "\n" + where + ": and " + std::to_string(errors.size() - shown) + " more problems";
    throw ProblemError(joined);
  }
  return p;
}

}  // namespace fs
