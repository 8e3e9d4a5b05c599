package matrix

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Machine describes where the matrix ran.
type Machine struct {
	CPU    string `json:"cpu"`
	Cores  int    `json:"cores"`
	Go     string `json:"go"`
	Kernel string `json:"kernel"`
	Date   string `json:"date"`
}

// DescribeMachine reads the CPU model from /proc/cpuinfo, the kernel release
// and the Go toolchain's version.
func DescribeMachine() Machine {
	m := Machine{
		CPU:    cpuModel(),
		Cores:  runtime.NumCPU(),
		Go:     runtime.Version(),
		Kernel: "unknown",
		Date:   time.Now().UTC().Format("2006-01-02 15:04 UTC"),
	}
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		m.Go = strings.TrimSpace(string(out))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	return m
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, value, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return runtime.GOARCH
}

// cpus01Allowed tells whether this process may run on CPUs 0 and 1, where
// the matrix pins the server and the load generator.
func cpus01Allowed() bool {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return false
	}
	return set.IsSet(0) && set.IsSet(1)
}
