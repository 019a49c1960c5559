/* tessera firmware harness for QEMU's MPS2 boards: semihosting output and exit, an
 * instruction counter built on SysTick, and stack-use measurement by stack painting.
 *
 * The application provides `int main(void)`; its return value becomes QEMU's exit status
 * (run QEMU with `-semihosting-config enable=on,target=native`).
 */
#ifndef TESSERA_FIRMWARE_HARNESS_H_
#define TESSERA_FIRMWARE_HARNESS_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Semihosting console output (SYS_WRITE0). */
void ts_fw_puts(const char* s);
/* Unsigned decimal. */
void ts_fw_put_u64(uint64_t v);
/* "key=v" and a newline: the lines RunFirmware (codegen/device.h) reads back as values. */
void ts_fw_put_kv(const char* key, uint64_t v);
/* n bytes as lowercase hex, two digits each, no separators. */
void ts_fw_put_hex(const void* data, size_t n);

/* Ends the program through semihosting SYS_EXIT_EXTENDED: QEMU exits with `code`. */
void ts_fw_exit(int code) __attribute__((noreturn));

/* SysTick runs from the processor clock (25 MHz on the MPS2 boards). Under QEMU's
 * `-icount shift=0` one instruction advances virtual time by 1 ns, so one tick is
 * TS_FW_NS_PER_TICK instructions. The counter is 24 bits; wraps are counted by the
 * SysTick interrupt, so the 64-bit count does not overflow in practice. */
#define TS_FW_CPU_HZ 25000000u
#define TS_FW_NS_PER_TICK (1000000000u / TS_FW_CPU_HZ)
void ts_fw_counter_start(void);   /* reset to zero and run */
uint64_t ts_fw_counter_ticks(void);
/* ticks * TS_FW_NS_PER_TICK: instructions executed since ts_fw_counter_start under
 * -icount shift=0 (resolution TS_FW_NS_PER_TICK). */
uint64_t ts_fw_counter_instructions(void);

/* Bytes of the main stack ever used since reset: the reset handler paints the stack with
 * a pattern; this finds the deepest word that no longer holds it. */
uint32_t ts_fw_stack_used(void);
uint32_t ts_fw_stack_size(void);

#ifdef __cplusplus
}
#endif
#endif
