import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The CPU time processes have used so far, as the kernel counts it in `/proc/PID/stat`:
/// user and system time of all their threads.
enum ProcessCPU {
    /// The seconds `pids` have run on a CPU, summed (a process gone counts nothing).
    static func seconds(_ pids: [pid_t]) -> Double {
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        return pids.reduce(0) { total, pid in
            guard let fields = statFields(pid), fields.count > 12,
                  let user = Double(fields[11]), let system = Double(fields[12]) else { return total }
            return total + (user + system) / ticksPerSecond
        }
    }

    /// `parent` and its child processes (nginx's master and its workers).
    static func family(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let children = entries.compactMap { pid_t($0) }.filter { pid in
            statFields(pid).flatMap { $0.count > 1 ? pid_t($0[1]) : nil } == parent
        }
        return [parent] + children
    }

    /// The fields of `/proc/PID/stat` after the command name (which may hold spaces and
    /// parentheses, so the text is read from the last `)`): state, parent, …, utime and
    /// stime at 11 and 12.
    private static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }
}
