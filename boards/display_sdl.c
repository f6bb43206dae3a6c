/*
 * The SDL2 window (boards/display_sdl.h).  The framebuffer is drawn into
 * the window's surface with SDL_ConvertPixels: its memory is 32-bit
 * big-endian X R G B words, which SDL names BGRX8888 on a little-endian
 * host and XRGB8888 on a big-endian one.
 */
#include "boards/display_sdl.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if SDL_BYTEORDER == SDL_LIL_ENDIAN
#define FB_SDL_FORMAT SDL_PIXELFORMAT_BGRX8888
#else
#define FB_SDL_FORMAT SDL_PIXELFORMAT_XRGB8888
#endif

#define BAND_ROWS 16 /* rows redrawn together */

struct DisplaySdl {
    Fb *fb;
    VirtioInput *kbd, *tablet;
    SDL_Window *win;
    char name[64];
    bool paused_shown;
    bool first;
    uint32_t last_rows;
};

/* USB HID usage (SDL_Scancode) -> Linux key code, for the keys of a PC
 * keyboard (HID Usage Tables 1.12 chapter 10; input-event-codes.h) */
static const struct { uint16_t sc, key; } sc_map[] = {
    { 4, 30 }, { 5, 48 }, { 6, 46 }, { 7, 32 }, { 8, 18 }, { 9, 33 }, { 10, 34 }, { 11, 35 },
    { 12, 23 }, { 13, 36 }, { 14, 37 }, { 15, 38 }, { 16, 50 }, { 17, 49 }, { 18, 24 },
    { 19, 25 }, { 20, 16 }, { 21, 19 }, { 22, 31 }, { 23, 20 }, { 24, 22 }, { 25, 47 },
    { 26, 17 }, { 27, 45 }, { 28, 21 }, { 29, 44 },                 /* a..z */
    { 30, 2 }, { 31, 3 }, { 32, 4 }, { 33, 5 }, { 34, 6 }, { 35, 7 }, { 36, 8 }, { 37, 9 },
    { 38, 10 }, { 39, 11 },                                          /* 1..0 */
    { 40, 28 }, { 41, 1 }, { 42, 14 }, { 43, 15 }, { 44, 57 }, { 45, 12 }, { 46, 13 },
    { 47, 26 }, { 48, 27 }, { 49, 43 }, { 51, 39 }, { 52, 40 }, { 53, 41 }, { 54, 51 },
    { 55, 52 }, { 56, 53 }, { 57, 58 },
    { 58, 59 }, { 59, 60 }, { 60, 61 }, { 61, 62 }, { 62, 63 }, { 63, 64 }, { 64, 65 },
    { 65, 66 }, { 66, 67 }, { 67, 68 }, { 68, 87 }, { 69, 88 },     /* F1..F12 */
    { 70, 99 }, { 71, 70 }, { 72, 119 }, { 73, 110 }, { 74, 102 }, { 75, 104 }, { 76, 111 },
    { 77, 107 }, { 78, 109 }, { 79, 106 }, { 80, 105 }, { 81, 108 }, { 82, 103 },
    { 83, 69 }, { 84, 98 }, { 85, 55 }, { 86, 74 }, { 87, 78 }, { 88, 96 }, { 89, 79 },
    { 90, 80 }, { 91, 81 }, { 92, 75 }, { 93, 76 }, { 94, 77 }, { 95, 71 }, { 96, 72 },
    { 97, 73 }, { 98, 82 }, { 99, 83 }, { 100, 86 }, { 101, 127 },
    { 224, 29 }, { 225, 42 }, { 226, 56 }, { 227, 125 }, { 228, 97 }, { 229, 54 },
    { 230, 100 }, { 231, 126 },
};

int display_sdl_keycode(int scancode)
{
    for (size_t i = 0; i < sizeof(sc_map) / sizeof(sc_map[0]); i++)
        if (sc_map[i].sc == scancode)
            return sc_map[i].key;
    return -1;
}

DisplaySdl *display_sdl_open(Fb *fb, VirtioInput *kbd, VirtioInput *tablet, const char *name,
                             char *err, size_t errlen)
{
    if (SDL_InitSubSystem(SDL_INIT_VIDEO)) {
        snprintf(err, errlen, "cannot start SDL: %s", SDL_GetError());
        return NULL;
    }
    /* With no X11 or Wayland display SDL falls back to its "offscreen"
     * driver: a window nobody can see. Say so, as QEMU does, unless the
     * user asked for that driver by name (the unit tests do). */
    const char *drv = SDL_GetCurrentVideoDriver();
    if (drv && (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy")) && !getenv("SDL_VIDEODRIVER")) {
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        snprintf(err, errlen, "no display to open the window on (DISPLAY or WAYLAND_DISPLAY); "
                              "use -display none, or SDL_VIDEODRIVER=%s for an invisible one", drv);
        return NULL;
    }
    DisplaySdl *d = calloc(1, sizeof(*d));
    if (!d) {
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->fb = fb;
    d->kbd = kbd;
    d->tablet = tablet;
    d->first = true;
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->win = SDL_CreateWindow(name, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, (int)fb->width,
                              (int)fb->height, 0);
    if (!d->win || !SDL_GetWindowSurface(d->win)) {
        snprintf(err, errlen, "cannot open the window: %s", SDL_GetError());
        display_sdl_close(d);
        return NULL;
    }
    return d;
}

void display_sdl_close(DisplaySdl *d)
{
    if (!d)
        return;
    if (d->win)
        SDL_DestroyWindow(d->win);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    if (!SDL_WasInit(SDL_INIT_EVERYTHING))
        SDL_Quit(); /* SDL's global state (hints, D-Bus) goes too */
    free(d);
}

/* Copy rows [y0, y1) of the frame into the surface and show them */
static void draw_rows(DisplaySdl *d, SDL_Surface *s, uint32_t y0, uint32_t y1)
{
    Fb *fb = d->fb;
    if (SDL_MUSTLOCK(s))
        SDL_LockSurface(s);
    SDL_ConvertPixels((int)fb->width, (int)(y1 - y0), FB_SDL_FORMAT, fb->mem + (size_t)y0 * fb->stride,
                      (int)fb->stride, s->format->format, (uint8_t *)s->pixels + (size_t)y0 * s->pitch,
                      s->pitch);
    if (SDL_MUSTLOCK(s))
        SDL_UnlockSurface(s);
    d->last_rows += y1 - y0;
}

static void redraw(DisplaySdl *d)
{
    SDL_Surface *s = SDL_GetWindowSurface(d->win);
    Fb *fb = d->fb;
    SDL_Rect rects[64];
    int nr = 0;
    d->last_rows = 0;
    if (!s)
        return;
    for (uint32_t y = 0; y < fb->height; y += BAND_ROWS) {
        uint32_t y1 = y + BAND_ROWS < fb->height ? y + BAND_ROWS : fb->height;
        if (!d->first && !fb_dirty_rows(fb, y, y1))
            continue;
        draw_rows(d, s, y, y1);
        /* merge with the previous band, else start a new rectangle */
        if (nr && rects[nr - 1].y + rects[nr - 1].h == (int)y)
            rects[nr - 1].h += (int)(y1 - y);
        else if (nr < 64)
            rects[nr++] = (SDL_Rect){ 0, (int)y, (int)fb->width, (int)(y1 - y) };
        else
            rects[nr - 1].h = (int)y1 - rects[nr - 1].y;
    }
    fb_dirty_clear(fb);
    d->first = false;
    if (nr)
        SDL_UpdateWindowSurfaceRects(d->win, rects, nr);
}

static void pointer(DisplaySdl *d, int x, int y)
{
    Fb *fb = d->fb;
    if (!d->tablet || fb->width < 2 || fb->height < 2)
        return;
    x = x < 0 ? 0 : x >= (int)fb->width ? (int)fb->width - 1 : x;
    y = y < 0 ? 0 : y >= (int)fb->height ? (int)fb->height - 1 : y;
    virtio_input_send(d->tablet, VINPUT_EV_ABS, 0, (uint32_t)x * VINPUT_ABS_MAX / (fb->width - 1));
    virtio_input_send(d->tablet, VINPUT_EV_ABS, 1, (uint32_t)y * VINPUT_ABS_MAX / (fb->height - 1));
}

static void button(DisplaySdl *d, int b, bool down)
{
    uint16_t code = b == SDL_BUTTON_LEFT ? VINPUT_BTN_LEFT : b == SDL_BUTTON_RIGHT ? VINPUT_BTN_RIGHT
                  : b == SDL_BUTTON_MIDDLE ? VINPUT_BTN_MIDDLE : 0;
    if (!d->tablet || !code)
        return;
    virtio_input_send(d->tablet, VINPUT_EV_KEY, code, down);
    virtio_input_send(d->tablet, VINPUT_EV_SYN, 0, 0);
}

/* true: the window was closed */
static bool events(DisplaySdl *d)
{
    SDL_Event e;
    bool quit = false;
    while (SDL_PollEvent(&e)) {
        switch (e.type) {
        case SDL_QUIT:
            quit = true;
            break;
        case SDL_WINDOWEVENT:
            if (e.window.event == SDL_WINDOWEVENT_CLOSE)
                quit = true;
            else if (e.window.event == SDL_WINDOWEVENT_EXPOSED)
                d->first = true; /* redraw everything */
            break;
        case SDL_KEYDOWN:
        case SDL_KEYUP: {
            int k = display_sdl_keycode(e.key.keysym.scancode);
            /* the guest repeats keys itself (Linux's soft autorepeat) */
            if (k < 0 || !d->kbd || e.key.repeat)
                break;
            virtio_input_send(d->kbd, VINPUT_EV_KEY, (uint16_t)k, e.type == SDL_KEYDOWN);
            virtio_input_send(d->kbd, VINPUT_EV_SYN, 0, 0);
            break;
        }
        case SDL_MOUSEMOTION:
            pointer(d, e.motion.x, e.motion.y);
            if (d->tablet)
                virtio_input_send(d->tablet, VINPUT_EV_SYN, 0, 0);
            break;
        case SDL_MOUSEBUTTONDOWN:
        case SDL_MOUSEBUTTONUP:
            button(d, e.button.button, e.type == SDL_MOUSEBUTTONDOWN);
            break;
        default:
            break;
        }
    }
    return quit;
}

bool display_sdl_refresh(DisplaySdl *d, bool paused)
{
    if (paused != d->paused_shown || d->first) {
        char title[96];
        snprintf(title, sizeof(title), "%s%s", d->name, paused ? " [Paused]" : "");
        SDL_SetWindowTitle(d->win, title);
        d->paused_shown = paused;
    }
    bool quit = events(d);
    redraw(d);
    return quit;
}

int display_sdl_read_rgb(DisplaySdl *d, uint8_t *rgb)
{
    SDL_Surface *s = SDL_GetWindowSurface(d->win);
    if (!s)
        return -1;
    if (SDL_MUSTLOCK(s))
        SDL_LockSurface(s);
    int r = SDL_ConvertPixels((int)d->fb->width, (int)d->fb->height, s->format->format, s->pixels,
                              s->pitch, SDL_PIXELFORMAT_RGB24, rgb, (int)d->fb->width * 3);
    if (SDL_MUSTLOCK(s))
        SDL_UnlockSurface(s);
    return r ? -1 : 0;
}

uint32_t display_sdl_last_rows(const DisplaySdl *d)
{
    return d->last_rows;
}
