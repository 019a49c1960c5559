/* Harness self-test program (tests/test_firmware_harness.cc): prints a greeting, the
 * instruction count of a loop of known length, the stack used by a recursion of known
 * depth, touches a stand-in model arena, and returns SELFTEST_EXIT_CODE. */
#include <stdint.h>
#include <string.h>

#include "harness.h"

#ifndef SELFTEST_EXIT_CODE
#define SELFTEST_EXIT_CODE 0
#endif
#ifndef SELFTEST_ARENA_BYTES
#define SELFTEST_ARENA_BYTES 1000
#endif
#ifndef SELFTEST_LOOP
#define SELFTEST_LOOP 1000000
#endif
#ifndef SELFTEST_DEPTH
#define SELFTEST_DEPTH 0
#endif

/* Placed like a generated model's arena. */
static int8_t model_arena[SELFTEST_ARENA_BYTES] __attribute__((aligned(16), section(".bss.tessera_arena.model")));

/* Uses at least 256 bytes of stack per level. */
static uint32_t __attribute__((noinline)) deep(int n) {
  volatile uint8_t frame[256];
  uint32_t s = 0;
  int i;
  for (i = 0; i < 256; ++i) frame[i] = (uint8_t)(i + n);
  if (n > 0) s = deep(n - 1);
  for (i = 0; i < 256; ++i) s += frame[i];
  return s;
}

int main(void) {
  uint64_t t0, t1;
  int32_t sum = 0;
  size_t i;
  ts_fw_puts("tessera harness self-test\n");

  memset(model_arena, 3, sizeof model_arena);
  for (i = 0; i < sizeof model_arena; ++i) sum += model_arena[i];
  ts_fw_puts("arena_sum=");
  ts_fw_put_u64((uint64_t)sum);
  ts_fw_puts("\n");

  ts_fw_counter_start();
  t0 = ts_fw_counter_instructions();
  /* exactly 2 * SELFTEST_LOOP instructions */
  __asm volatile(
      "mov r0, %0\n"
      "1: subs r0, r0, #1\n"
      "bne 1b\n" ::"r"(SELFTEST_LOOP)
      : "r0", "cc");
  t1 = ts_fw_counter_instructions();
  ts_fw_puts("loop_instructions=");
  ts_fw_put_u64(t1 - t0);
  ts_fw_puts("\n");

  ts_fw_puts("deep=");
  ts_fw_put_u64(deep(SELFTEST_DEPTH));
  ts_fw_puts("\nstack_used=");
  ts_fw_put_u64(ts_fw_stack_used());
  ts_fw_puts("\nstack_size=");
  ts_fw_put_u64(ts_fw_stack_size());
  ts_fw_puts("\nhex=");
  ts_fw_put_hex("\x01\xab\xff", 3);
  ts_fw_puts("\n");
  return SELFTEST_EXIT_CODE;
}
