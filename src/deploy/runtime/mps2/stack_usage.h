/* Stack measurement for firmware built with startup.c and mps2_an385.ld (qemu's mps2-an385).
 *
 * The reset handler paints the stack region below its stack pointer with a known word before it
 * calls main; a word that no longer holds it was written at some point, so the deepest such word
 * is the stack's high-water mark. This is what a firmware prints to report its RAM beyond
 * .data and .bss. A frame that reserves space it never writes is not counted (nothing shows
 * that it was there); everything that is written is. */
#ifndef UNAS_MPS2_STACK_USAGE_H
#define UNAS_MPS2_STACK_USAGE_H

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes from the top of the stack down to the deepest word written since the last paint (the
 * reset, or unas_stack_paint()). It includes main's caller (a few dozen bytes), and whatever ran
 * since: printf, for one, takes about a kilobyte. A value equal to unas_stack_bytes_reserved()
 * means the stack reached the bottom of its region, and may have run past it. */
unsigned long unas_stack_bytes_used(void);

/* Paints again the stack below the caller's frame, so that a later unas_stack_bytes_used()
 * reports the deepest point reached after this call: call it just before the code to measure
 * (printf before it then does not count). Usage above the caller's frame stays counted. */
void unas_stack_paint(void);

/* Writes "unas stack bytes used: N\n" on stderr, N being unas_stack_bytes_used() as it was on
 * entry (the printing's own stack use is not in it). stderr, so that stdout stays byte for byte
 * what a host build of the same program prints; the host finds the line with
 * unas::deploy::reported_stack_bytes. */
void unas_report_stack_usage(void);

/* The size of the stack region (the linker script's __stack_size). */
unsigned long unas_stack_bytes_reserved(void);

/* The exit status of a firmware stopped by a fault (HardFault and every other exception but
 * reset): the handler prints the exception, its PC and fault status registers on the semihosting
 * console and ends qemu with this status. */
#define UNAS_FAULT_EXIT_STATUS 250

#ifdef __cplusplus
}
#endif

#endif /* UNAS_MPS2_STACK_USAGE_H */
