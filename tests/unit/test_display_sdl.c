/* The SDL2 window (boards/display_sdl.h) under SDL's offscreen video
 * driver, so no X server is needed: the window shows the framebuffer's
 * pixels, a refresh redraws only the bands that were written, and window
 * events reach the keyboard and tablet (and a close asks to quit). */
#include <SDL.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "boards/display_sdl.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#define W 64
#define H 48

static Fb fb;
static VirtioDev kdev, tdev;
static VirtioInput kbd, tablet;

/* SDL's video start-up leaves ~14 KB that LeakSanitizer reports from
 * libraries SDL has unloaded again (no symbols to suppress them by): leak
 * checking is off in these tests; ASan still checks every access. */
static DisplaySdl *open_display(void)
{
#if defined(__SANITIZE_ADDRESS__)
    __lsan_disable();
#endif
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    ck_assert_int_eq(fb_init(&fb, 1 << 16, W, H), 0);
    for (uint32_t y = 0; y < H; y++)
        for (uint32_t x = 0; x < W; x++)
            fb_ops.write(&fb, y * W * 4 + x * 4, 0xFF000000u | (x * 4) << 16 | (y * 5) << 8 | (x ^ y), 4);
    memset(&kdev, 0, sizeof(kdev));
    memset(&tdev, 0, sizeof(tdev));
    virtio_input_init(&kbd, &kdev, VINPUT_KEYBOARD);
    virtio_input_init(&tablet, &tdev, VINPUT_TABLET);
    char err[200];
    DisplaySdl *d = display_sdl_open(&fb, &kbd, &tablet, "ppcemu test", err, sizeof(err));
    ck_assert_msg(d != NULL, "%s", err);
    return d;
}

static void same_pixels(DisplaySdl *d)
{
    static uint8_t win[W * H * 3], want[W * H * 3];
    ck_assert_int_eq(display_sdl_read_rgb(d, win), 0);
    fb_to_rgb(&fb, want);
    ck_assert_mem_eq(win, want, sizeof(win));
}

START_TEST(shows_the_frame_and_only_redraws_changes)
{
    DisplaySdl *d = open_display();
    ck_assert(!display_sdl_refresh(d, false));
    ck_assert_uint_eq(display_sdl_last_rows(d), H);
    same_pixels(d);
    ck_assert(!display_sdl_refresh(d, false));
    ck_assert_uint_eq(display_sdl_last_rows(d), 0);
    /* one pixel in row 20: the 16-row band around it is redrawn */
    fb_ops.write(&fb, 20 * W * 4 + 8, 0x00123456u, 4);
    ck_assert(!display_sdl_refresh(d, true));
    ck_assert_uint_eq(display_sdl_last_rows(d), 16);
    same_pixels(d);
    display_sdl_close(d);
    fb_free(&fb);
}
END_TEST

START_TEST(input_and_close)
{
    DisplaySdl *d = open_display();
    SDL_Event e;
    memset(&e, 0, sizeof(e));
    e.type = SDL_KEYDOWN;
    e.key.keysym.scancode = SDL_SCANCODE_A;
    ck_assert_int_eq(SDL_PushEvent(&e), 1);
    e.key.repeat = 1; /* an autorepeat: not passed on */
    ck_assert_int_eq(SDL_PushEvent(&e), 1);
    memset(&e, 0, sizeof(e));
    e.type = SDL_MOUSEMOTION;
    e.motion.x = W - 1;
    e.motion.y = 0;
    ck_assert_int_eq(SDL_PushEvent(&e), 1);
    ck_assert(!display_sdl_refresh(d, false));
    ck_assert_uint_eq(kbd.npending, 2);
    ck_assert_uint_eq(kbd.pending[0].type, VINPUT_EV_KEY);
    ck_assert_uint_eq(kbd.pending[0].code, 30); /* KEY_A */
    ck_assert_uint_eq(kbd.pending[0].value, 1);
    ck_assert_uint_eq(kbd.pending[1].type, VINPUT_EV_SYN);
    ck_assert_uint_eq(tablet.npending, 3);
    ck_assert_uint_eq(tablet.pending[0].code, 0);
    ck_assert_uint_eq(tablet.pending[0].value, VINPUT_ABS_MAX);
    ck_assert_uint_eq(tablet.pending[1].code, 1);
    ck_assert_uint_eq(tablet.pending[1].value, 0);
    memset(&e, 0, sizeof(e));
    e.type = SDL_QUIT;
    ck_assert_int_eq(SDL_PushEvent(&e), 1);
    ck_assert(display_sdl_refresh(d, false));
    display_sdl_close(d);
    fb_free(&fb);
}
END_TEST

START_TEST(keymap)
{
    ck_assert_int_eq(display_sdl_keycode(SDL_SCANCODE_RETURN), 28);
    ck_assert_int_eq(display_sdl_keycode(SDL_SCANCODE_Z), 44);
    ck_assert_int_eq(display_sdl_keycode(SDL_SCANCODE_0), 11);
    ck_assert_int_eq(display_sdl_keycode(SDL_SCANCODE_F12), 88);
    ck_assert_int_eq(display_sdl_keycode(SDL_SCANCODE_LCTRL), 29);
    ck_assert_int_eq(display_sdl_keycode(SDL_SCANCODE_UP), 103);
    ck_assert_int_eq(display_sdl_keycode(SDL_SCANCODE_SPACE), 57);
    ck_assert_int_eq(display_sdl_keycode(0), -1);
    /* every mapped key is one the keyboard announces (sendkey's table) */
    static const char *names[] = { "a", "z", "ret", "f12", "ctrl", "up", "spc", "0" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        ck_assert_int_ge(virtio_input_keycode(names[i], (unsigned)strlen(names[i])), 1);
}
END_TEST

Suite *suite_display_sdl(void)
{
    Suite *s = suite_create("display_sdl");
    TCase *tc = tcase_create("display_sdl");
    tcase_add_test(tc, shows_the_frame_and_only_redraws_changes);
    tcase_add_test(tc, input_and_close);
    tcase_add_test(tc, keymap);
    suite_add_tcase(s, tc);
    return s;
}
