#!/bin/sh
# Renders the PNG sizes of the icon from the SVG (needs rsvg-convert, Debian librsvg2-bin).
# The PNGs are kept in the repository so that building needs no SVG renderer.
set -eu
cd "$(dirname "$0")"
for size in 16 24 32 48 64 128 256 512; do
    mkdir -p "${size}x${size}"
    rsvg-convert -w "$size" -h "$size" dev.jetdeck.JetDeck.svg -o "${size}x${size}/dev.jetdeck.JetDeck.png"
done
