/* Semihosting I/O and exit, SysTick instruction counter. See harness.h. */
#include "harness.h"

/* Semihosting operations (Arm semihosting specification). */
#define TS_SYS_WRITE0 0x04
#define TS_SYS_EXIT_EXTENDED 0x20
#define TS_ADP_STOPPED_APPLICATION_EXIT 0x20026

static int ts_fw_semihost(int op, const void* arg) {
  register int r0 __asm("r0") = op;
  register const void* r1 __asm("r1") = arg;
  __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void ts_fw_puts(const char* s) { (void)ts_fw_semihost(TS_SYS_WRITE0, s); }

void ts_fw_put_u64(uint64_t v) {
  char buf[24];
  int i = (int)sizeof buf - 1;
  buf[i] = '\0';
  do {
    buf[--i] = (char)('0' + (int)(v % 10u));
    v /= 10u;
  } while (v != 0u);
  ts_fw_puts(&buf[i]);
}

void ts_fw_put_kv(const char* key, uint64_t v) {
  ts_fw_puts(key);
  ts_fw_puts("=");
  ts_fw_put_u64(v);
  ts_fw_puts("\n");
}

void ts_fw_put_hex(const void* data, size_t n) {
  static const char digits[] = "0123456789abcdef";
  const uint8_t* p = (const uint8_t*)data;
  char buf[129];
  size_t k = 0;
  size_t i;
  for (i = 0; i < n; ++i) {
    buf[k++] = digits[p[i] >> 4];
    buf[k++] = digits[p[i] & 15u];
    if (k == sizeof buf - 1) {
      buf[k] = '\0';
      ts_fw_puts(buf);
      k = 0;
    }
  }
  buf[k] = '\0';
  if (k) ts_fw_puts(buf);
}

void ts_fw_exit(int code) {
  /* SYS_EXIT_EXTENDED takes {reason, subcode}; QEMU exits with the subcode. */
  uint32_t block[2];
  block[0] = TS_ADP_STOPPED_APPLICATION_EXIT;
  block[1] = (uint32_t)code;
  for (;;) (void)ts_fw_semihost(TS_SYS_EXIT_EXTENDED, block);
}

/* ---- SysTick ---- */
#define TS_SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define TS_SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define TS_SYST_CVR (*(volatile uint32_t*)0xE000E018u)
#define TS_SYST_RELOAD 0x00FFFFFFu

static volatile uint32_t ts_fw_wraps;

void ts_fw_systick_handler(void);
void ts_fw_systick_handler(void) { ts_fw_wraps++; }

void ts_fw_counter_start(void) {
  TS_SYST_CSR = 0;
  TS_SYST_RVR = TS_SYST_RELOAD;
  TS_SYST_CVR = 0; /* any write clears the current value; it reloads on the first tick */
  ts_fw_wraps = 0;
  /* CLKSOURCE = processor clock, TICKINT, ENABLE */
  TS_SYST_CSR = 0x7u;
}

uint64_t ts_fw_counter_ticks(void) {
  uint32_t w1, w2, v;
  do {
    w1 = ts_fw_wraps;
    v = TS_SYST_CVR;
    w2 = ts_fw_wraps;
  } while (w1 != w2);
  /* After start the counter loads RELOAD on its first tick, then counts down. */
  return (uint64_t)w1 * (TS_SYST_RELOAD + 1u) + (uint64_t)(v == 0u ? 0u : TS_SYST_RELOAD - v + 1u);
}

uint64_t ts_fw_counter_instructions(void) {
  return ts_fw_counter_ticks() * TS_FW_NS_PER_TICK;
}
