"""The rows the paper prints beside found models (SPEC.md, from paper Tables 2 and 4).
Accuracy in %, model size (MS) and RAM in bytes (None: not reported; ">=" bounds kept as text)."""

TABLE2 = {
    "MNIST": [
        ("SpArSe", 98.64, 2770, ">=1960", None), ("SpArSe", 96.49, 1440, ">=1330", None),
        ("Bonsai", 94.38, 490, "<2000", None), ("ProtoNN", 95.88, 63900, "<64000", None),
        ("µNAS (paper)", 99.19, 480, 488, 28_600),
    ],
    "CIFAR-10 binary": [("SpArSe", 73.84, 780, ">=1280", None), ("µNAS (paper)", 77.49, 685, 909, 41_200)],
    "Chars74K binary": [("SpArSe", 77.78, 460, ">=720", None), ("µNAS (paper)", 81.20, 390, 867, 107_000)],
    "Speech Commands": [("µNAS (paper)", 95.58, 37_000, 21_100, 1_100_000)],
    "Fashion MNIST": [("reported", 92.50, 100_000, None, None), ("µNAS (paper)", 93.22, 63_600, 12_600, 4_400_000)],
    "CIFAR-10": [("LEMONADE", 91.77, 10_000, None, None), ("µNAS (paper)", 86.49, 11_400, 15_400, 384_000)],
    "Chars74K": [("µNAS (paper)", 82.65, 3_850, 9_750, 279_000), ("µNAS (paper)", 76.05, 13_900, 1_810, 111_000)],
}

TABLE4 = {  # sparse models: (name, accuracy %, model size B)
    "Chars74K": [("SpArSe", 67.82, 1700), ("µNAS (paper)", 72.40, 1620)],
    "CIFAR-10 binary": [("SpArSe", 81.77, 3200), ("µNAS (paper)", 82.69, 2230),
                        ("SpArSe", 76.66, 1400), ("µNAS (paper)", 76.72, 940)],
    "MNIST": [("SpArSe", 99.16, 1000), ("µNAS (paper, dense)", 99.19, 480)],
}
