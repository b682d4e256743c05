//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus

extension CommandAlertSink {
    /// The settings of a command sink: the program, by absolute path, and its arguments.
    /// Such sinks run programs, so only `config.yaml` may define them.
    public struct Options: AlertSinkOptions {
        /// The program's absolute path.
        public var command: String?
        /// Its arguments.
        public var arguments: [String]

        /// Settings for a program.
        public init(command: String?, arguments: [String] = []) {
            self.command = command
            self.arguments = arguments
        }

        public static let keys = ["command", "arguments"]

        enum CodingKeys: String, CodingKey { case command, arguments }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(command: try container.decodeText(forKey: .command), arguments: try container.decodeTexts(forKey: .arguments))
        }

        public func validate() throws(SettingProblem) {
            guard let command, command.hasPrefix("/") else { throw SettingProblem("command", "the program's absolute path is required") }
        }

        /// Arguments long enough to be tokens.
        public var secretValues: [String] { arguments.filter { $0.count >= 8 } }
    }

    /// The registered `command` type (not addable at run time).
    public static var sinkType: AlertSinkType {
        AlertSinkType("command", title: "A program of yours", options: Options.self, addableAtRunTime: false) { name, options in
            CommandAlertSink(name: name, executable: options.command ?? "", arguments: options.arguments)
        }
    }
}
