/* Keyword spotting with a tessera-generated model: MFCC features in (int8, 49 frames x 10
 * coefficients), the recognised word out. Prints the label, its score, the output bytes in
 * hex (to compare with `tessera run`), the instruction count and the stack used. */
#include <stdint.h>
#include <string.h>

#include "harness.h" /* tessera's QEMU harness: semihosting output, SysTick counter */
#include "model.h"   /* generated at build time by tessera_add_model */

extern const int kws_have_features;
extern const uint8_t kws_features[];

/* MLPerf Tiny keyword spotting's class order. */
static const char* const kLabels[12] = {"down", "go",    "left", "no", "off",     "on",
                                        "right", "stop", "up",   "yes", "silence", "unknown"};

int main(void) {
  int8_t* in = (int8_t*)model_input(0);
  const int8_t* out;
  uint64_t instructions;
  int i, best = 0;
  if (in == NULL || MODEL_INPUT0_BYTES != 490 || MODEL_OUTPUT0_BYTES != 12) return 1;
  if (kws_have_features) {
    memcpy(in, kws_features, MODEL_INPUT0_BYTES);
  } else {
    for (i = 0; i < MODEL_INPUT0_BYTES; ++i) in[i] = (int8_t)((i * 7) % 256 - 128);
  }

  ts_fw_counter_start();
  if (model_invoke() != 0) return 1;
  instructions = ts_fw_counter_instructions();

  out = (const int8_t*)model_output(0);
  for (i = 1; i < 12; ++i)
    if (out[i] > out[best]) best = i;
  ts_fw_puts("label=");
  ts_fw_puts(kLabels[best]);
  ts_fw_puts("\nscore=");
  ts_fw_put_u64((uint64_t)(out[best] + 128));
  ts_fw_puts("/256\noutput0=");
  ts_fw_put_hex(out, MODEL_OUTPUT0_BYTES);
  ts_fw_puts("\ninstructions=");
  ts_fw_put_u64(instructions);
  ts_fw_puts("\nstack_used=");
  ts_fw_put_u64(ts_fw_stack_used());
  ts_fw_puts("\narena=");
  ts_fw_put_u64(MODEL_ARENA_BYTES);
  ts_fw_puts("\n");
  return 0;
}
