package onnx

import (
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// ortMemAddr is the external-data location with which onnxruntime marks
// tensors already in memory: "offset" is then read as a pointer. In a file
// it turns the model into an arbitrary memory read.
const ortMemAddr = "*/_ORT_MEM_ADDR_/*"

// windowsDevices are the names Windows resolves to devices in any folder,
// with any extension.
var windowsDevices = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true, "CONIN$": true, "CONOUT$": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true,
	"COM7": true, "COM8": true, "COM9": true, "LPT1": true, "LPT2": true, "LPT3": true,
	"LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}

// specialDirs are the Unix trees of special files.
var specialDirs = []string{"/proc", "/dev", "/sys", "/run"}

// classifyPath says how far a path that a loader resolves against the
// model's folder can reach: Info when it stays inside, Critical when it can
// escape (or name a device), in between when it cannot be checked. clipped
// says that only the first maxPath bytes were read.
func classifyPath(loc string, clipped bool) (scanners.Severity, string) {
	switch {
	case clipped:
		return scanners.High, "is longer than 32 KiB and was not checked in full"
	case loc == "":
		return scanners.Medium, "is empty"
	case strings.IndexByte(loc, 0) >= 0:
		return scanners.Critical, "contains a NUL byte, which cuts the path short in C and C++ loaders"
	}
	// Windows takes both separators; treat both as one everywhere.
	s := strings.ReplaceAll(loc, `\`, "/")
	if strings.HasPrefix(s, "/") {
		for _, d := range specialDirs {
			if s == d || strings.HasPrefix(s, d+"/") {
				return scanners.Critical, "is an absolute path to a special file (" + d + ")"
			}
		}
		if strings.HasPrefix(s, "//") {
			return scanners.Critical, "is a UNC or device path, outside the model folder"
		}
		return scanners.Critical, "is an absolute path, outside the model folder"
	}
	if len(s) >= 2 && s[1] == ':' && isASCIILetter(s[0]) {
		return scanners.Critical, "is a Windows drive path, outside the model folder"
	}
	for _, seg := range strings.Split(s, "/") {
		if sev, why := classifySegment(seg); sev > scanners.Info {
			return sev, why
		}
	}
	return scanners.Info, "stays inside the model folder"
}

// classifySegment checks one path segment.
func classifySegment(seg string) (scanners.Severity, string) {
	// Windows drops trailing dots and spaces, so ".. " and "..." can act as
	// "..". Any ".." climbs: even one that comes back down ("a/../w.bin")
	// leaves the folder when "a" is a symbolic link.
	if strings.Count(seg, ".") >= 2 && strings.Trim(seg, ". ") == "" {
		return scanners.Critical, "has a \"..\" segment that climbs out of the model folder"
	}
	base, _, _ := strings.Cut(seg, ".")
	if windowsDevices[strings.ToUpper(strings.TrimRight(base, " "))] {
		return scanners.Critical, "names the Windows device " + strings.ToUpper(base)
	}
	if strings.Contains(seg, ":") {
		return scanners.High, "has a ':', a Windows drive or alternate data stream"
	}
	return scanners.Info, ""
}

func isASCIILetter(b byte) bool { return (b|0x20) >= 'a' && (b|0x20) <= 'z' }

// clip returns s cut to at most n bytes.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
