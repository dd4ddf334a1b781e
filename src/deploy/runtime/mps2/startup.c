/* Startup code for firmware run on qemu's `-machine mps2-an385` (Cortex-M3) with semihosting:
 * the vector table, a reset handler that sets up C and calls main, stack measurement, and a
 * fault handler. Goes with mps2_an385.ld and is linked with newlib's rdimon (semihosting)
 * library and -nostartfiles: rdimon's own crt0 asks the debugger where the heap and stack go,
 * and we want them where the linker script puts them, with the stack painted before main.
 *
 * Everything that reaches the host goes through semihosting (BKPT 0xAB, which qemu serves with
 * -semihosting-config enable=on,target=native): printf to qemu's stdout, and exit(status) ends
 * qemu with that status, because qemu 7.2 implements SYS_EXIT_EXTENDED and libgloss uses it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "stack_usage.h"

/* From mps2_an385.ld. Arrays, so that their addresses are the symbols' values. */
extern uint32_t __data_load__[], __data_start__[], __data_end__[];
extern uint32_t __bss_start__[], __bss_end__[];
extern uint32_t __stack_limit[], __stack_top[];
/* libgloss's _sbrk refuses to grow the heap past this (0xcafedead: no limit, only the stack
 * pointer). Set to the stack region's bottom, a heap that runs out gets ENOMEM instead of
 * silently writing over the painted stack. */
extern unsigned int __heap_limit;

extern int main(void);
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);

/* crti.o and crtn.o, left out with the other start files, would frame these; newlib's
 * __libc_init_array and __libc_fini_array (which exit() runs) call them around the
 * .init_array and .fini_array tables, which the linker script keeps. */
void _init(void) {}
void _fini(void) {}

void Reset_Handler(void);
void unas_fault_entry(void);

/* A word the painted stack holds; any other value there was written by the program. */
#define UNAS_STACK_PAINT 0x57ACC0DEu

/* The Cortex-M vector table: the initial stack pointer, then the handlers of exceptions 1-15.
 * The AN385's external interrupts are never enabled, so their vectors are left out. */
typedef void (*unas_handler)(void);
struct unas_vector_table {
  uint32_t* initial_sp;
  unas_handler handlers[15];
};
__attribute__((section(".vectors"), used)) static const struct unas_vector_table unas_vectors = {
    __stack_top,
    {
        Reset_Handler,
        unas_fault_entry, /* NMI */
        unas_fault_entry, /* HardFault */
        unas_fault_entry, /* MemManage */
        unas_fault_entry, /* BusFault */
        unas_fault_entry, /* UsageFault */
        0, 0, 0, 0,       /* reserved */
        unas_fault_entry, /* SVCall */
        unas_fault_entry, /* DebugMonitor */
        0,                /* reserved */
        unas_fault_entry, /* PendSV */
        unas_fault_entry, /* SysTick */
    }};

/* Written in assembly so that it has no frame of its own: everything below the caller's stack
 * pointer is painted, and the next unas_stack_bytes_used() sees only what ran after it. */
__attribute__((naked)) void unas_stack_paint(void) {
  __asm__ volatile(
      "  ldr r0, =__stack_limit\n"
      "  mov r1, sp\n"
      "  ldr r2, =0x57ACC0DE\n" /* UNAS_STACK_PAINT */
      "1: cmp r0, r1\n"
      "  bhs 2f\n"
      "  str r2, [r0], #4\n"
      "  b 1b\n"
      "2: bx lr\n"
      "  .ltorg\n");
}

unsigned long unas_stack_bytes_used(void) {
  const uint32_t* p = __stack_limit;
  while (p < __stack_top && *p == UNAS_STACK_PAINT) ++p;
  return (unsigned long)((const char*)__stack_top - (const char*)p);
}

void unas_report_stack_usage(void) {
  const unsigned long used = unas_stack_bytes_used();
  fprintf(stderr, "unas stack bytes used: %lu\n", used);
}

unsigned long unas_stack_bytes_reserved(void) {
  return (unsigned long)((const char*)__stack_top - (const char*)__stack_limit);
}

/* The System Control Block's Configuration and Control Register. */
#define UNAS_SCB_CCR (*(volatile uint32_t*)0xE000ED14u)
#define UNAS_CCR_DIV_0_TRP (1u << 4)

void Reset_Handler(void) {
  for (uint32_t *src = __data_load__, *dst = __data_start__; dst < __data_end__;) *dst++ = *src++;
  for (uint32_t* dst = __bss_start__; dst < __bss_end__;) *dst++ = 0;
  __heap_limit = (unsigned int)(uintptr_t)__stack_limit;
  /* An integer division by zero faults, as it does (SIGFPE) in the host build, instead of
   * quietly giving 0: the two builds then cannot print different numbers because of one. */
  UNAS_SCB_CCR |= UNAS_CCR_DIV_0_TRP;
  unas_stack_paint();
  initialise_monitor_handles();
  __libc_init_array();
  exit(main());
}

/* --- Faults: report on the semihosting console and end qemu, rather than spin forever. ---
 * Plain semihosting calls, not stdio: after a fault the heap or stdio state may be the
 * corrupted thing. */

static int unas_semihost(int operation, const void* argument) {
  register int r0 __asm__("r0") = operation;
  register const void* r1 __asm__("r1") = argument;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

#define UNAS_SYS_OPEN 0x01
#define UNAS_SYS_WRITE 0x05
#define UNAS_SYS_EXIT_EXTENDED 0x20
#define UNAS_ADP_STOPPED_APPLICATION_EXIT 0x20026

static char* unas_append(char* out, const char* text) {
  while (*text) *out++ = *text++;
  return out;
}

static char* unas_append_hex(char* out, uint32_t value) {
  out = unas_append(out, "0x");
  for (int shift = 28; shift >= 0; shift -= 4) *out++ = "0123456789abcdef"[(value >> shift) & 0xFu];
  return out;
}

/* `frame`: what the processor stacked on entry (r0-r3, r12, lr, pc, xpsr). */
__attribute__((used, noreturn)) static void unas_fault_report(const uint32_t* frame) {
  static const char* const names[] = {"?", "Reset", "NMI", "HardFault", "MemManage", "BusFault",
                                      "UsageFault", "?", "?", "?", "?", "SVCall", "DebugMonitor",
                                      "?", "PendSV", "SysTick"};
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  const uint32_t exception = ipsr & 0x1FFu;
  char message[256];
  char* out = unas_append(message, "unas firmware: ");
  out = unas_append(out, exception < 16 ? names[exception] : "interrupt");
  out = unas_append(out, " at pc ");
  out = unas_append_hex(out, frame[6]);
  out = unas_append(out, ", lr ");
  out = unas_append_hex(out, frame[5]);
  out = unas_append(out, ", CFSR ");
  out = unas_append_hex(out, *(volatile uint32_t*)0xE000ED28u);
  out = unas_append(out, ", HFSR ");
  out = unas_append_hex(out, *(volatile uint32_t*)0xE000ED2Cu);
  out = unas_append(out, ", BFAR ");
  out = unas_append_hex(out, *(volatile uint32_t*)0xE000ED38u);
  out = unas_append(out, "\n");
  /* ":tt" opened for appending (mode 8) is the host's stderr, so stdout keeps only what the
   * program printed. */
  const uint32_t open_block[3] = {(uint32_t)(uintptr_t)":tt", 8, 3};
  const int handle = unas_semihost(UNAS_SYS_OPEN, open_block);
  const uint32_t write_block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)message, (uint32_t)(out - message)};
  if (handle >= 0) unas_semihost(UNAS_SYS_WRITE, write_block);
  const uint32_t exit_block[2] = {UNAS_ADP_STOPPED_APPLICATION_EXIT, UNAS_FAULT_EXIT_STATUS};
  unas_semihost(UNAS_SYS_EXIT_EXTENDED, exit_block);
  for (;;) {
  }
}

/* Finds the stacked frame (main stack or process stack, as EXC_RETURN in lr says) and passes
 * it on; naked, so that nothing is pushed before the frame pointer is taken. */
__attribute__((naked)) void unas_fault_entry(void) {
  __asm__ volatile(
      "  tst lr, #4\n"
      "  ite eq\n"
      "  mrseq r0, msp\n"
      "  mrsne r0, psp\n"
      "  b unas_fault_report\n");
}
