#!/usr/bin/env bash
# make_sample_media.sh - regenerate every sample media file of the demo show
# "Field Notes, Aloud" from the post texts in episodes/.
#
# Run from the repository root:
#
#     bash scripts/make_sample_media.sh
#
# Needs (only to REGENERATE the samples):
#     apt-get install espeak-ng sox ffmpeg
#     pip install pillow           # python3 with Pillow (>= 10.1 for the large default font)
#
# Set PYTHON=/path/to/python if the python3 on PATH has no Pillow.
#
# The outputs are committed to the repository, so users of audio-feed never
# need any of these tools; this script only documents how the samples were
# made and lets maintainers rebuild them after editing a post.
#
# Outputs:
#     artwork.png                         1400x1400 RGB cover
#     episodes/images/river-map.png       600x400 illustration used by a post
#     episodes/intro.mp3, outro.mp3       short synthesised music (sox), 44.1 kHz mono 64 kbps
#     episodes/<post>.mp3 / .m4a          espeak-ng reading of each post (< 60 s),
#                                         22.05 kHz mono, MP3 32 kbps / AAC 48 kbps
#     episodes/<post>/NN-<name>.mp3       audio in sections, the way text-to-speech
#                                         pipelines deliver it: one espeak-ng reading
#                                         per ## section (8-18 s), MP3 as above
#     (episodes/2026-11-26-first-snow/ is not made here: `audio-feed speak` made it)
# It also rewrites the `chapters:` list of the interview post so that the
# timestamps are the real start times of each section in its audio file.
#
# Output is deterministic: espeak-ng, sox (-R, repeatable mode), Pillow and
# ffmpeg (-fflags +bitexact, -map_metadata -1) give byte-identical files on
# the same tool versions.

set -euo pipefail

PY="${PYTHON:-python3}"
VOICE="${VOICE:-en-us+f3}"          # narrator (Mara)
GUEST_VOICE="${GUEST_VOICE:-en-gb+f4}"  # interview guest (Ingrid)
SPEED=165
MAX_SPEECH=58                       # seconds; every episode file must stay under 60 s
SECTION_MIN=8                       # seconds; each file of a sectioned post is 8-18 s,
SECTION_MAX=17.5                    # read in whole sentences, incl. the pad below
SECTION_PAD=0.3                     # seconds of silence after each section file (<= 0.4)
MAX_TOTAL_BYTES=$((3 * 1024 * 1024))

if [[ ! -f scripts/make_sample_media.sh || ! -d episodes ]]; then
    echo "run this from the repository root: bash scripts/make_sample_media.sh" >&2
    exit 1
fi
for tool in espeak-ng sox soxi ffmpeg; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install espeak-ng sox ffmpeg)" >&2; exit 1; }
done
"$PY" -c 'import PIL' 2>/dev/null || { echo "$PY has no Pillow (pip install pillow, or set PYTHON=...)" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

SOX=(sox -R -V1)
FFMPEG=(ffmpeg -nostdin -hide_banner -loglevel error -y)
BITEXACT=(-map_metadata -1 -fflags +bitexact -flags:a +bitexact)

# --------------------------------------------------------------------------
# Python helpers: images, Markdown -> speech text, chapter rewriting.
# --------------------------------------------------------------------------
cat > "$TMP/helpers.py" <<'PYEOF'
import math
import re
import sys
import unicodedata

# ---------------------------------------------------------------- images ---

def font(size):
    from PIL import ImageFont
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: only the small bitmap font
        return ImageFont.load_default()


def draw_text_centered(img, xy_center, text, size, fill):
    """Draw text centred on xy_center; scale up a small rendering if the
    default font cannot be sized (old Pillow / no FreeType)."""
    from PIL import Image, ImageDraw
    f = font(size)
    d = ImageDraw.Draw(img)
    box = d.textbbox((0, 0), text, font=f)
    w, h = box[2] - box[0], box[3] - box[1]
    if h >= size * 0.5:
        d.text((xy_center[0] - w / 2 - box[0], xy_center[1] - h / 2 - box[1]), text, font=f, fill=fill)
        return
    # fallback: render small, scale up with nearest neighbour
    scale = max(1, round(size * 0.7 / max(h, 1)))
    small = Image.new("L", (w + 2, h + 2), 0)
    ImageDraw.Draw(small).text((1 - box[0], 1 - box[1]), text, font=f, fill=255)
    big = small.resize((small.width * scale, small.height * scale), Image.NEAREST)
    solid = Image.new("RGB", big.size, fill)
    img.paste(solid, (int(xy_center[0] - big.width / 2), int(xy_center[1] - big.height / 2)), big)


def artwork(out):
    from PIL import Image, ImageDraw
    W = 1400
    bg = (28, 62, 74)          # deep river teal
    sun = (240, 178, 92)       # warm ochre
    cream = (246, 236, 214)
    band1 = (46, 104, 116)
    band2 = (70, 140, 146)
    band3 = (112, 176, 170)
    img = Image.new("RGB", (W, W), bg)
    d = ImageDraw.Draw(img)

    # sun
    d.ellipse((880, 170, 1200, 490), fill=sun)
    # concentric "listening" rings around the sun
    for i, r in enumerate((200, 250, 300)):
        d.ellipse((1040 - r, 330 - r, 1040 + r, 330 + r), outline=(214, 160, 86) if i == 0 else band2, width=6)

    # three river bands: polygons following a sine curve
    def band(y0, amp, phase, colour):
        pts = [(x, y0 + amp * math.sin(x / W * 2 * math.pi * 1.5 + phase)) for x in range(0, W + 20, 20)]
        d.polygon(pts + [(W, W), (0, W)], fill=colour)

    band(760, 40, 0.0, band1)
    band(880, 36, 1.2, band2)
    band(1010, 30, 2.4, band3)

    # sound-wave bars (a small "waveform" on the left)
    heights = [40, 90, 150, 110, 200, 130, 70, 170, 100, 50, 120, 60]
    for i, h in enumerate(heights):
        x = 150 + i * 42
        d.rounded_rectangle((x, 420 - h // 2, x + 22, 420 + h // 2), radius=11, fill=cream)

    # title block on a flat cream card at the bottom
    d.rectangle((0, 1110, W, W), fill=cream)
    draw_text_centered(img, (W // 2, 1205), "Field Notes, Aloud", 132, bg)
    draw_text_centered(img, (W // 2, 1315), "with Mara Lindqvist", 56, band1)
    img.save(out, "PNG", optimize=True)


def river_map(out):
    from PIL import Image, ImageDraw
    W, H = 600, 400
    paper = (244, 236, 218)
    ink = (70, 58, 46)
    water = (96, 150, 176)
    green = (120, 150, 96)
    img = Image.new("RGB", (W, H), paper)
    d = ImageDraw.Draw(img)
    # the river: a thick bending line
    pts = [(x, 250 - 110 * math.sin((x - 40) / 520 * math.pi)) for x in range(-10, W + 20, 10)]
    d.line(pts, fill=water, width=34, joint="curve")
    d.line([(x, y + 2) for x, y in pts], fill=(150, 192, 210), width=6)
    # dotted walking path along the inside of the bend
    for i, (x, y) in enumerate(pts[::2]):
        if 40 < x < 560:
            d.ellipse((x - 3, y + 52, x + 3, y + 58), fill=ink)
    # trees
    for x, y in ((70, 90), (110, 70), (470, 80), (520, 110), (300, 330), (350, 350), (90, 330)):
        d.ellipse((x - 18, y - 18, x + 18, y + 18), fill=green, outline=ink, width=2)
        d.line((x, y + 18, x, y + 30), fill=ink, width=3)
    # footbridge
    bx = 300
    by = 250 - 110 * math.sin((bx - 40) / 520 * math.pi)
    d.rectangle((bx - 8, by - 40, bx + 8, by + 40), fill=(160, 120, 80), outline=ink, width=2)
    # the old mill
    d.rectangle((440, 250, 490, 290), fill=(200, 170, 140), outline=ink, width=2)
    d.polygon([(436, 250), (465, 225), (494, 250)], fill=(150, 90, 70), outline=ink)
    # compass and labels
    d.line((550, 330, 550, 380), fill=ink, width=2)
    d.polygon([(544, 342), (550, 326), (556, 342)], fill=ink)
    f = font(18)
    d.text((544, 305), "N", font=f, fill=ink)
    d.text((318, 175), "footbridge", font=f, fill=ink)
    d.text((430, 295), "old mill", font=f, fill=ink)
    d.text((20, 370), "the river bend, 800 m", font=f, fill=ink)
    d.rectangle((4, 4, W - 5, H - 5), outline=ink, width=3)
    img.save(out, "PNG", optimize=True)

# --------------------------------------------------------- speech text ---

def split_post(path):
    text = open(path, encoding="utf-8").read()
    m = re.match(r"---\n(.*?)\n---\n(.*)", text, re.S)
    if not m:
        sys.exit(f"{path}: no front matter")
    return m.group(1), m.group(2)


def fm_value(fm, key):
    m = re.search(rf'^{key}:\s*(.*)$', fm, re.M)
    if not m:
        return ""
    v = m.group(1).strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        v = v[1:-1].replace('\\"', '"') if v[0] == '"' else v[1:-1].replace("''", "'")
    return v


def is_cjk(ch):
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA"))


def speakable(s):
    """Markdown inline -> plain text espeak can read."""
    s = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", s)                 # images
    s = re.sub(r"\[((?:\\.|[^\]\\])*)\]\([^)]*\)", r"\1", s)     # links -> text
    s = re.sub(r"\\(.)", r"\1", s)                               # backslash escapes
    s = s.replace("[", "").replace("]", "")
    s = re.sub(r"<[^>]+>", "", s)                                # inline html
    s = re.sub(r"[*_`]+", "", s)                                 # emphasis / code
    s = "".join(" " if is_cjk(c) else c for c in s)             # espeak cannot read CJK
    s = re.sub(r"\(\s*\)", "", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"\s+([,.;:!?])", r"\1", s)
    s = re.sub(r"[,;:]([.!?])", r"\1", s)                       # "window: 雨の音." -> "window."
    return s


def end_sentence(s):
    return s if not s or s[-1] in ".!?:;" else s + "."


def blocks(body):
    """Markdown body -> list of (kind, text); kind is 'h' for ## headings."""
    out = []
    para = []

    def flush():
        if para:
            t = speakable(" ".join(para))
            if t:
                out.append(("p", end_sentence(t)))
            para.clear()

    for line in body.splitlines():
        st = line.strip()
        if not st:
            flush()
            continue
        if st.startswith("<"):                     # raw HTML block
            flush()
            continue
        if st.startswith("#"):
            flush()
            t = speakable(st.lstrip("#"))
            if t:
                out.append(("h", end_sentence(t)))
            continue
        m = re.match(r"(?:[-*+]|\d+\.)\s+(.*)", st)
        if m:                                       # list item: one sentence each
            flush()
            t = speakable(m.group(1))
            if t:
                out.append(("p", end_sentence(t)))
            continue
        para.append(st.lstrip("> "))
    flush()
    return out


def sentences(text):
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def cmd_text(path, out):
    """Whole post as speech, one sentence per line (title, subtitle, body)."""
    fm, body = split_post(path)
    lines = [end_sentence(speakable(fm_value(fm, "title")))]
    sub = fm_value(fm, "subtitle")
    if sub:
        lines.append(end_sentence(speakable(sub)))
    for _, t in blocks(body):
        lines.extend(sentences(t))
    open(out, "w", encoding="utf-8").write("\n".join(l for l in lines if l.strip(". ")) + "\n")


def cmd_sections(path, budget, outdir):
    """Interview: a shortened script per ## section.  Each script is the
    heading plus the first sentence of each paragraph until `budget` words
    (never stopping on an unanswered question); the title is read at the
    start of the first section.  Writes outdir/NN-PP-SPEAKER.txt,
    one file per paragraph, and prints the section headings."""
    fm, body = split_post(path)
    budget = int(budget)
    parts = re.split(r"^## +(.*)$", body, flags=re.M)
    preamble, rest = parts[0], parts[1:]
    sections = [(rest[i].strip(), rest[i + 1]) for i in range(0, len(rest), 2)]
    if not sections:
        sys.exit(f"{path}: no ## sections")
    for n, (heading, text) in enumerate(sections):
        paras = []
        if n == 0:
            paras.append(("Mara", end_sentence(speakable(fm_value(fm, "title")))))
            paras += [("Mara", t) for _, t in blocks(preamble)]
        paras.append(("Mara", end_sentence(speakable(heading))))
        words = 0
        for _, t in blocks(text):
            # stop once the budget is reached, but never right after a question
            if words >= budget and not paras[-1][1].endswith("?"):
                break
            m = re.match(r"(\w+): (.*)", t)
            speaker = "Mara"
            if m and m.group(1) in ("Mara", "Ingrid"):
                speaker, t = m.group(1), m.group(2)   # the voice marks the speaker
            t = sentences(t)[0]                       # first sentence of each paragraph
            paras.append((speaker, t))
            words += len(t.split())
        for p, (speaker, t) in enumerate(paras):
            open(f"{outdir}/{n:02d}-{p:02d}-{speaker}.txt", "w", encoding="utf-8").write(t + "\n")
        print(heading)


def cmd_section_texts(path, outdir):
    """Post whose audio comes in sections: the speech of each ## section,
    its heading then its text, one sentence per line, in outdir/NN.txt
    (NN from 00); prints the headings.  Nothing may come before the first
    heading (it would belong to no file), and the post has no chapters:
    (the sections are the chapters)."""
    fm, body = split_post(path)
    if re.search(r"^chapters:", fm, re.M):
        sys.exit(f"{path}: a post with audio in sections must not list chapters:")
    parts = re.split(r"^## +(.*)$", body, flags=re.M)
    preamble, rest = parts[0], parts[1:]
    if blocks(preamble):
        sys.exit(f"{path}: text before the first ## heading")
    sections = [(rest[i].strip(), rest[i + 1]) for i in range(0, len(rest), 2)]
    if not sections:
        sys.exit(f"{path}: no ## sections")
    for n, (heading, text) in enumerate(sections):
        lines = [end_sentence(speakable(heading))]
        for _, t in blocks(text):
            lines.extend(sentences(t))
        open(f"{outdir}/{n:02d}.txt", "w", encoding="utf-8").write(
            "\n".join(l for l in lines if l.strip(". ")) + "\n")
        print(heading)


def cmd_chapters(path, headings_file, starts):
    """Rewrite the chapters: list in the front matter (quoted "HH:MM:SS Title")."""
    headings = [l.rstrip("\n") for l in open(headings_file, encoding="utf-8") if l.strip()]
    starts = [float(s) for s in starts.split()]
    assert len(headings) == len(starts), (headings, starts)
    lines = ["chapters:"]
    for h, s in zip(headings, starts):
        t = int(math.floor(s))
        lines.append(f'  - "{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d} {h}"')
    text = open(path, encoding="utf-8").read()
    fm, body = split_post(path)
    new_fm, n = re.subn(r"^chapters:\n(?:[ \t]+-.*\n?)*", "\n".join(lines) + "\n", fm + "\n", flags=re.M)
    if n != 1:
        sys.exit(f"{path}: no chapters: block to rewrite")
    new = "---\n" + new_fm.rstrip("\n") + "\n---\n" + body
    if new != text:
        open(path, "w", encoding="utf-8").write(new)
    print("\n".join(lines[1:]))


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    {"artwork": artwork, "river_map": river_map, "text": cmd_text,
     "sections": cmd_sections, "section_texts": cmd_section_texts,
     "chapters": cmd_chapters}[cmd](*args)
PYEOF

helper() { "$PY" "$TMP/helpers.py" "$@"; }
duration() { soxi -D "$1"; }

# --------------------------------------------------------------------------
# 1. Images
# --------------------------------------------------------------------------
echo "== images"
helper artwork artwork.png
mkdir -p episodes/images
helper river_map episodes/images/river-map.png

# --------------------------------------------------------------------------
# 2. Intro / outro music (sox synth, mixed, mild reverb, peaks at -6 dBFS)
# --------------------------------------------------------------------------
# note NAME START LENGTH GAIN_DB TYPE -> one mono 44.1 kHz wav in $TMP/music
note_i=0
note() {
    local name=$1 start=$2 len=$3 gain=$4 type=${5:-pluck}
    note_i=$((note_i + 1))
    local fade_out
    fade_out=$(awk -v l="$len" 'BEGIN { printf "%.3f", l * 0.6 }')
    "${SOX[@]}" -n -r 44100 -c 1 -b 16 "$TMP/music/n$(printf %03d $note_i).wav" \
        synth "$len" "$type" "$name" gain "$gain" fade q 0.01 "$len" "$fade_out" pad "$start"
}
# chord START LENGTH NOTE... : soft plucked arpeggio + quiet sine pad of the root
chord() {
    local start=$1 len=$2
    shift 2
    local root=$1 i=0 n
    for n in "$@"; do
        note "$n" "$(awk -v s="$start" -v i="$i" 'BEGIN { printf "%.3f", s + i * 0.07 }')" "$len" -3 pluck
        i=$((i + 1))
    done
    note "${root%?}$(( ${root: -1} - 1 ))" "$start" "$len" -16 sine
}
render_music() {  # OUT TOTAL_LENGTH FADE_OUT
    local out=$1 total=$2 fade=$3
    "${SOX[@]}" -m "$TMP"/music/n*.wav "$TMP/music_mix.wav"
    "${SOX[@]}" "$TMP/music_mix.wav" "$TMP/music_fx.wav" \
        highpass 60 lowpass 7000 reverb 35 50 60 trim 0 "$total" fade q 0.02 "$total" "$fade" norm -6
    "${FFMPEG[@]}" -i "$TMP/music_fx.wav" -ac 1 -ar 44100 -c:a libmp3lame -b:a 64k "${BITEXACT[@]}" "$out"
    rm -f "$TMP"/music/n*.wav
}

echo "== intro / outro"
mkdir -p "$TMP/music"
note_i=0
chord 0.00 2.2 C4 E4 G4 B4      # Cmaj7
chord 1.60 2.2 A3 C4 E4 G4      # Am7
chord 3.20 2.2 F3 A3 C4 E4      # Fmaj7
chord 4.80 2.4 G3 B3 D4 G4      # G
note C5 5.60 1.4 -8 pluck       # little lift at the end
render_music episodes/intro.mp3 7.0 1.6

note_i=0
chord 0.00 2.2 F3 A3 C4 E4      # Fmaj7
chord 1.50 2.2 G3 B3 D4 F4      # G7
chord 3.00 3.0 C4 E4 G4 C5      # C, left to ring
render_music episodes/outro.mp3 6.0 2.2

# --------------------------------------------------------------------------
# 3. Spoken episodes (espeak-ng)
# --------------------------------------------------------------------------
# speak TEXTFILE OUTWAV [VOICE]: synthesise one text file, normalised to -1 dBFS
speak() {
    local voice=${3:-$VOICE}
    espeak-ng -v "$voice" -s "$SPEED" -w "$TMP/speak_raw.wav" -f "$1"
    "${SOX[@]}" "$TMP/speak_raw.wav" "$2" norm -1
}

# encode WAV OUT: mono 22.05 kHz, MP3 32 kbps or AAC-in-MP4 48 kbps
encode() {
    case "$2" in
        *.mp3) "${FFMPEG[@]}" -i "$1" -ac 1 -ar 22050 -c:a libmp3lame -b:a 32k "${BITEXACT[@]}" "$2" ;;
        *.m4a) "${FFMPEG[@]}" -i "$1" -ac 1 -ar 22050 -c:a aac -b:a 48k "${BITEXACT[@]}" -movflags +faststart "$2" ;;
        *) echo "unknown output type: $2" >&2; exit 1 ;;
    esac
}

# fit TEXTFILE OUTWAV MAX [PAD]: read TEXTFILE (one sentence a line), plus PAD s
# of silence at the end; if longer than MAX seconds, read only the first whole
# sentences that fit.  Sets FIT_KEEP, FIT_TOTAL (sentences) and FIT_DUR (s).
fit() {
    local full=$1 wav=$2 max=$3 pad=${4:-0}
    FIT_TOTAL=$(wc -l < "$full")
    FIT_KEEP=$FIT_TOTAL
    while :; do
        head -n "$FIT_KEEP" "$full" > "$TMP/read.txt"
        speak "$TMP/read.txt" "$wav"
        if [[ $pad != 0 ]]; then
            "${SOX[@]}" "$wav" "$TMP/fit_pad.wav" pad 0 "$pad"
            mv "$TMP/fit_pad.wav" "$wav"
        fi
        FIT_DUR=$(duration "$wav")
        if awk -v d="$FIT_DUR" -v m="$max" 'BEGIN { exit !(d < m) }'; then break; fi
        # shrink proportionally (at least one sentence), then re-measure
        FIT_KEEP=$(awk -v k="$FIT_KEEP" -v d="$FIT_DUR" -v m="$max" \
            'BEGIN { n = int(k * (m - 2) / d); if (n >= k) n = k - 1; if (n < 1) n = 1; print n }')
    done
}

# episode POST OUT: read title, subtitle and body; if longer than
# MAX_SPEECH seconds, read only the first whole sentences that fit.
episode() {
    local post=$1 out=$2
    helper text "$post" "$TMP/full.txt"
    fit "$TMP/full.txt" "$TMP/episode.wav" "$MAX_SPEECH"
    encode "$TMP/episode.wav" "$out"
    echo "   $out: $FIT_KEEP of $FIT_TOTAL sentences, $(printf %.2f "$FIT_DUR") s"
}

echo "== episodes"
episode episodes/2026-09-03-why-we-listen.md     episodes/2026-09-03-why-we-listen.mp3
episode episodes/2026-10-01-cafe-notes.md        episodes/2026-10-01-cafe-notes.m4a
episode episodes/2026-10-15-members-deep-dive.md episodes/2026-10-15-members-deep-dive.mp3
# episodes/2026-11-05-winter-schedule.md deliberately has no audio (not ready yet).

# --------------------------------------------------------------------------
# 4. Interview: one shortened script per section, concatenated; chapter
#    times = cumulative section durations, floored to whole seconds.
# --------------------------------------------------------------------------
echo "== interview"
INTERVIEW=episodes/2026-09-17-interview-river-keeper.md
mkdir -p "$TMP/sec"
helper sections "$INTERVIEW" 24 "$TMP/sec" > "$TMP/headings.txt"
nsec=$(wc -l < "$TMP/headings.txt")
starts=""
elapsed=0
for ((s = 0; s < nsec; s++)); do
    parts=()
    for txt in "$TMP"/sec/$(printf %02d $s)-*.txt; do
        voice=$VOICE
        [[ $txt == *-Ingrid.txt ]] && voice=$GUEST_VOICE
        speak "$txt" "${txt%.txt}.wav" "$voice"
        parts+=("${txt%.txt}.wav")
    done
    # the section's paragraphs, then 0.6 s of breathing room
    "${SOX[@]}" "${parts[@]}" "$TMP/section$s.wav" pad 0 0.6
    starts="$starts $elapsed"
    elapsed=$(awk -v e="$elapsed" -v d="$(duration "$TMP/section$s.wav")" 'BEGIN { printf "%.6f", e + d }')
done
sections=()
for ((s = 0; s < nsec; s++)); do sections+=("$TMP/section$s.wav"); done
"${SOX[@]}" "${sections[@]}" "$TMP/interview.wav"
encode "$TMP/interview.wav" episodes/2026-09-17-interview-river-keeper.mp3
echo "   section starts (s):$starts; total $(printf %.2f "$elapsed") s"
helper chapters "$INTERVIEW" "$TMP/headings.txt" "$starts" | sed 's/^/   /'
if ! awk -v d="$elapsed" 'BEGIN { exit !(d >= 35 && d <= 55) }'; then
    echo "interview is $elapsed s, expected 35-55 s; adjust the section budget" >&2
    exit 1
fi

# --------------------------------------------------------------------------
# 5. Audio in sections: a folder episodes/<post>/ with one file per ## section,
#    named in reading order (the sections become the chapters, so the post
#    has no chapters: key and no text before its first heading).
# --------------------------------------------------------------------------
# sectioned POST DIR NAME...: DIR/NAME.mp3 for each ## section of POST, in order:
# its heading then its text, whole sentences under SECTION_MAX s, at least
# SECTION_MIN s, SECTION_PAD s of silence at the end.
sectioned() {
    local post=$1 dir=$2
    shift 2
    local names=("$@") nsec s out heading
    rm -rf "$TMP/tts"
    mkdir -p "$TMP/tts" "$dir"
    helper section_texts "$post" "$TMP/tts" > "$TMP/tts_headings.txt"
    nsec=$(wc -l < "$TMP/tts_headings.txt")
    if ((nsec != ${#names[@]})); then
        echo "$post has $nsec ## sections but ${#names[@]} file names are given" >&2
        exit 1
    fi
    for ((s = 0; s < nsec; s++)); do
        out="$dir/${names[s]}.mp3"
        heading=$(sed -n "$((s + 1))p" "$TMP/tts_headings.txt")
        fit "$TMP/tts/$(printf %02d $s).txt" "$TMP/tts_section.wav" "$SECTION_MAX" "$SECTION_PAD"
        if ! awk -v d="$FIT_DUR" -v m="$SECTION_MIN" 'BEGIN { exit !(d >= m) }'; then
            echo "$out: $FIT_DUR s, expected at least $SECTION_MIN s; lengthen \"$heading\"" >&2
            exit 1
        fi
        encode "$TMP/tts_section.wav" "$out"
        echo "   $out: $FIT_KEEP of $FIT_TOTAL sentences, $(printf %.2f "$FIT_DUR") s  ($heading)"
    done
    # anything else in the folder would be read as an extra section
    local expected actual
    expected=$(printf '%s.mp3\n' "${names[@]}" | LC_ALL=C sort)
    actual=$(LC_ALL=C ls -A "$dir")
    if [[ $expected != "$actual" ]]; then
        echo "$dir holds files other than ${names[*]/%/.mp3}; remove them" >&2
        exit 1
    fi
}

echo "== audio in sections"
sectioned episodes/2026-11-19-three-small-tools.md episodes/2026-11-19-three-small-tools \
    01-pencil 02-hydrophone 03-stopwatch

# --------------------------------------------------------------------------
# 6. Checks
# --------------------------------------------------------------------------
echo "== checks"
media=(artwork.png episodes/images/river-map.png episodes/intro.mp3 episodes/outro.mp3
       episodes/2026-09-03-why-we-listen.mp3 episodes/2026-09-17-interview-river-keeper.mp3
       episodes/2026-10-01-cafe-notes.m4a episodes/2026-10-15-members-deep-dive.mp3
       episodes/2026-11-19-three-small-tools/01-pencil.mp3
       episodes/2026-11-19-three-small-tools/02-hydrophone.mp3
       episodes/2026-11-19-three-small-tools/03-stopwatch.mp3)
total_bytes=0
for f in "${media[@]}"; do
    size=$(stat -c %s "$f")
    total_bytes=$((total_bytes + size))
    case "$f" in
        *.mp3|*.m4a)
            d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")
            printf '   %-58s %8d bytes  %6.2f s\n' "$f" "$size" "$d"
            awk -v d="$d" 'BEGIN { exit !(d < 60) }' || { echo "$f is not under 60 s" >&2; exit 1; }
            if [[ $f == episodes/*/*.mp3 && $f != episodes/images/* ]]; then
                awk -v d="$d" 'BEGIN { exit !(d >= 8 && d < 18) }' || { echo "$f is not 8-18 s" >&2; exit 1; }
            fi ;;
        *)  printf '   %-58s %8d bytes\n' "$f" "$size" ;;
    esac
done
echo "   total: $total_bytes bytes"
if ((total_bytes >= MAX_TOTAL_BYTES)); then
    echo "sample media exceed 3 MB" >&2
    exit 1
fi
echo "done"
