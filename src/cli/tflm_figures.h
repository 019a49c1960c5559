// TensorFlow Lite Micro's arena figures for the shared models
// (../shared/reference/tflm_arena.tsv beside the project root), printed beside tessera's.
#pragma once
#include <cstdint>
#include <string>

namespace tessera::cli {
// TFLM's non-persistent arena bytes (its greedy activation + scratch plan) for the model
// whose file stem is `stem`; -1 when unavailable, with the reason in *why.
int64_t TflmNonPersistentArena(const std::string& stem, std::string* why);
}  // namespace tessera::cli
