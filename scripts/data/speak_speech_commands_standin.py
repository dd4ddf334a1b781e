#!/usr/bin/python3
"""Speaks a stand-in for Speech Commands v0.02, which cannot be downloaded here.

The ten command words and ten of the real set's auxiliary ("unknown") words are spoken by
Debian's espeak-ng with many "speakers" (an accent and a voice variant each, with its own pitch
and speed) and cut by sox into the real layout: <word>/<speaker>_nohash_<n>.wav, 1 s, 16 kHz,
mono, 16-bit, the word at a random place in the clip over a quiet noise floor (a recording's
microphone and room; digital silence, which real clips never have, would give features far off
those of the noisy training mixes). _background_noise_/ holds one-minute noise
files made by sox (white, pink and brown noise, a hum, a running tap, distant babble), and
validation_list.txt / testing_list.txt split the speakers with the real set's hash rule (about
10 % each). It is NOT Speech Commands: synthetic voices are far more alike than 2 618 people.
Point an experiment at the real set when you have it.

usage: speak_speech_commands_standin.py OUT_DIR [--takes N] [--seed S] [--jobs J]
"""
import argparse
import hashlib
import os
import random
import subprocess
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

COMMANDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
UNKNOWN = ["bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow"]
ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029", "en-us-nyc"]
VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "klatt3", "croak", "whisper"]
RATE = 16000
CLIP = RATE  # samples in one 1 s clip
# Babble for the background noise, free of the ten command words.
BABBLE = ("The weather was fine that morning and the market filled with people. Children ran between "
          "the stalls while a baker shouted the price of bread. Somebody laughed at the corner, a dog "
          "barked twice, and the bells of the church rang eleven times. Later the rain came and "
          "everybody hurried home with wet shoes and heavy baskets full of apples and fish.")


def which_set(speaker):
    """The real set's rule (its README): a hash of the speaker id, 10 % validation, 10 % testing."""
    h = int(hashlib.sha1(speaker.encode()).hexdigest(), 16) % (2 ** 27) * (100.0 / (2 ** 27 - 1))
    return "validation" if h < 10 else "testing" if h < 20 else "training"


def sox(*args):
    subprocess.run(["sox", "-R", "-V1", *map(str, args)], check=True)


def noise_floor(seed, level_db):
    """One second of white noise through a random one-pole low-pass, at level_db dBFS RMS."""
    rng = np.random.default_rng(seed)
    noise, pole = rng.standard_normal(CLIP), rng.uniform(0.0, 0.95)
    for t in range(1, CLIP):  # ~10 ms per clip; numpy has no recursive filter
        noise[t] += pole * noise[t - 1]
    return noise / np.sqrt(np.mean(noise ** 2)) * 10 ** (level_db / 20) * 32768


def speak(job):
    """Writes one 1 s clip: espeak-ng speaks, sox resamples, trims the silence and sets the level,
    and the word goes at its place over a noise floor."""
    text, voice, pitch, speed, gain_db, lead, noise_db, seed, out = job
    with tempfile.TemporaryDirectory() as tmp:
        raw, word = Path(tmp) / "raw.wav", Path(tmp) / "word.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(raw), text], check=True)
        sox(raw, "-r", RATE, "-c", 1, "-b", 16, word, "silence", 1, 0.01, "0.5%", "reverse", "silence", 1, 0.01, "0.5%",
            "reverse", "gain", "-n", gain_db)
        with wave.open(str(word)) as w:
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")[:CLIP]
    clip = noise_floor(seed, noise_db)
    start = round(lead * (CLIP - len(samples)))  # lead in [0, 1]: where in the free space the word starts
    clip[start:start + len(samples)] += samples
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.clip(np.round(clip), -32768, 32767).astype("<i2").tobytes())


def speakers(rng):
    """Every accent with every variant, each with its own voice pitch and speaking rate."""
    out = []
    for accent in ACCENTS:
        for variant in VARIANTS:
            voice = f"{accent}+{variant}"
            out.append((hashlib.sha1(voice.encode()).hexdigest()[:8], voice, rng.randint(25, 75), rng.randint(130, 200)))
    return out


def clip_jobs(root, rng, takes):
    jobs, listed = [], {"validation": [], "testing": []}
    for speaker, voice, pitch, speed in speakers(rng):
        for word in COMMANDS + UNKNOWN:
            for n in range(takes if word in COMMANDS else 1):
                rel = f"{word}/{speaker}_nohash_{n}.wav"
                jobs.append((word, voice, min(99, max(0, pitch + rng.randint(-8, 8))), round(speed * rng.uniform(0.85, 1.15)),
                             -rng.uniform(1, 15), rng.random(), rng.uniform(-70, -45), rng.getrandbits(32), root / rel))
                subset = which_set(speaker)
                if subset in listed:
                    listed[subset].append(rel)
    return jobs, listed


def background_noise(folder):
    """Six one-minute noise files, as the real set's _background_noise_ has."""
    folder.mkdir(parents=True)
    synth = ["-n", "-r", RATE, "-c", 1, "-b", 16]
    sox(*synth, folder / "white_noise.wav", "synth", 60, "whitenoise", "vol", 0.5)
    sox(*synth, folder / "pink_noise.wav", "synth", 60, "pinknoise", "vol", 0.5)
    sox(*synth, folder / "brown_noise.wav", "synth", 60, "brownnoise", "vol", 0.5)
    sox(*synth, folder / "hum.wav", "synth", 60, "sine", 100, "synth", 60, "pinknoise", "mix", "tremolo", 0.3, 30, "vol", 0.4)
    sox(*synth, folder / "running_tap.wav", "synth", 60, "whitenoise", "sinc", "800-5000", "tremolo", 9, 60, "vol", 0.6)
    with tempfile.TemporaryDirectory() as tmp:
        voices = []
        for k, (voice, speed) in enumerate([("en-gb+m3", 150), ("en-us+f2", 170), ("en-gb-scotland+m5", 140), ("en-029+f4", 160)]):
            raw = Path(tmp) / f"v{k}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), BABBLE], check=True)
            voices.append(Path(tmp) / f"r{k}.wav")
            # each voice starts elsewhere and loops, so that they overlap throughout the minute
            sox(raw, "-r", RATE, "-c", 1, voices[-1], "pad", k * 1.7, 0, "repeat", 6, "trim", 0, 60)
        sox("-m", *voices, "-b", 16, folder / "babble.wav", "sinc", "-4000", "reverb", 60, "gain", "-n", -6)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--takes", type=int, default=2, help="takes of each command word per speaker")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    jobs, listed = clip_jobs(args.out, rng, args.takes)
    for word in COMMANDS + UNKNOWN:
        (args.out / word).mkdir(parents=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(speak, jobs))
    background_noise(args.out / "_background_noise_")
    for subset, rels in listed.items():
        (args.out / f"{subset}_list.txt").write_text("".join(r + "\n" for r in sorted(rels)))
    n_speakers = len(ACCENTS) * len(VARIANTS)
    held_out = {s: len({Path(r).name.split("_nohash_")[0] for r in rels}) for s, rels in listed.items()}
    (args.out / "STAND-IN.txt").write_text(
        "A spoken STAND-IN for Speech Commands v0.02 (see scripts/data/speak_speech_commands_standin.py): espeak-ng\n"
        f"voices, not people. {len(jobs)} clips: {len(COMMANDS)} command words x {n_speakers} speakers x {args.takes} takes, "
        f"{len(UNKNOWN)} other words x {n_speakers} speakers;\n"
        f"{held_out['validation']} speakers for validation, {held_out['testing']} for testing; seed {args.seed}. "
        "Not the real data set.\n")
    print(f"spoke {len(jobs)} clips by {n_speakers} speakers into {args.out} "
          f"({held_out['validation']} validation / {held_out['testing']} testing speakers)")


if __name__ == "__main__":
    main()
