/*
 * The SDL2 window of `-display sdl`: shows the framebuffer and feeds the
 * virtio keyboard and tablet.  The owner calls display_sdl_refresh about
 * every DISPLAY_REFRESH_NS of host time; a refresh copies only the bands
 * of rows whose framebuffer pages were written since the last one (the
 * framebuffer's own dirty bitmap, boards/fb.h), then handles the window's
 * events: keys to the keyboard (SDL scancodes are USB HID usages, mapped
 * to Linux key codes), pointer position and buttons to the tablet, and a
 * closed window as a request to quit (as QEMU's window does).  The title
 * says when the machine is paused.
 */
#ifndef BOARDS_DISPLAY_SDL_H
#define BOARDS_DISPLAY_SDL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boards/fb.h"
#include "boards/virtio_input.h"

#define DISPLAY_REFRESH_NS 33000000ull /* ~30 frames a second */

typedef struct DisplaySdl DisplaySdl;

/* NULL with err set when SDL or the window cannot be created.  kbd and
 * tablet may be NULL. */
DisplaySdl *display_sdl_open(Fb *fb, VirtioInput *kbd, VirtioInput *tablet, const char *name,
                             char *err, size_t errlen);
void display_sdl_close(DisplaySdl *d);
/* Redraw what changed, update the title, handle input.  Returns true when
 * the window was closed (the caller quits). */
bool display_sdl_refresh(DisplaySdl *d, bool paused);
/* The window's current pixels as packed RGB (width * height * 3), for
 * tests and screenshots.  0, or -1 when the surface cannot be read. */
int display_sdl_read_rgb(DisplaySdl *d, uint8_t *rgb);
/* Rows redrawn by the last refresh (tests, the refresh cost figure) */
uint32_t display_sdl_last_rows(const DisplaySdl *d);

/* SDL scancode (USB HID usage) to Linux key code; -1 if unmapped */
int display_sdl_keycode(int scancode);

#endif /* BOARDS_DISPLAY_SDL_H */
