//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

extension HostObservation {
    /// Writes the host as `JSONEncoder` would encode it, ten times faster.
    public func writeJSON(to json: inout JSONWriter) {
        json.object { json in
            json.member("startTime", startTime)
            json.member("endTime", endTime)
            json.key("timedOut")
            json.value(timedOut)
            json.member("comment", comment)
            json.key("status")
            json.object { json in
                json.key("state")
                json.value(status.state.rawValue)
                json.member("reason", status.reason)
                json.member("reasonTTL", status.reasonTTL)
            }
            json.key("addresses")
            json.array { json in
                for address in addresses {
                    json.object { json in
                        json.key("address")
                        json.value(address.address)
                        json.key("type")
                        json.value(address.type.rawValue)
                        json.member("vendor", address.vendor)
                    }
                }
            }
            json.key("hostnames")
            json.array { json in
                for hostname in hostnames {
                    json.object { json in
                        json.key("name")
                        json.value(hostname.name)
                        json.member("type", hostname.type?.rawValue)
                    }
                }
            }
            json.key("smurfResponses")
            json.array { json in for response in smurfResponses { json.value(response) } }
            json.key("ports")
            json.array { json in for port in ports { port.writeJSON(to: &json) } }
            json.key("extraPorts")
            json.array { json in
                for summary in extraPorts {
                    json.object { json in
                        json.key("state")
                        json.value(summary.state)
                        json.key("count")
                        json.value(summary.count)
                        json.key("reasons")
                        json.array { json in
                            for reason in summary.reasons {
                                json.object { json in
                                    json.key("reason")
                                    json.value(reason.reason)
                                    json.key("count")
                                    json.value(reason.count)
                                    json.member("protocol", reason.protocol)
                                    json.member("ports", reason.ports)
                                }
                            }
                        }
                    }
                }
            }
            if let os {
                json.key("os")
                json.object { json in
                    json.key("portsUsed")
                    json.array { json in
                        for used in os.portsUsed {
                            json.object { json in
                                json.key("state")
                                json.value(used.state)
                                json.key("protocol")
                                json.value(used.protocol)
                                json.key("port")
                                json.value(used.port)
                            }
                        }
                    }
                    json.key("matches")
                    json.array { json in
                        for match in os.matches {
                            json.object { json in
                                json.key("name")
                                json.value(match.name)
                                json.key("accuracy")
                                json.value(match.accuracy)
                                json.member("line", match.line)
                                json.key("classes")
                                json.array { json in
                                    for osClass in match.classes {
                                        json.object { json in
                                            json.member("type", osClass.type)
                                            json.key("vendor")
                                            json.value(osClass.vendor)
                                            json.key("family")
                                            json.value(osClass.family)
                                            json.member("generation", osClass.generation)
                                            json.key("accuracy")
                                            json.value(osClass.accuracy)
                                            json.member("cpes", strings: osClass.cpes)
                                        }
                                    }
                                }
                            }
                        }
                    }
                    json.member("fingerprints", strings: os.fingerprints)
                }
            }
            if let uptime {
                json.key("uptime")
                json.object { json in
                    json.key("seconds")
                    json.value(uptime.seconds)
                    json.member("lastBoot", uptime.lastBoot)
                }
            }
            json.member("distance", distance)
            if let tcpSequence {
                json.key("tcpSequence")
                json.object { json in
                    json.key("index")
                    json.value(tcpSequence.index)
                    json.key("difficulty")
                    json.value(tcpSequence.difficulty)
                    json.key("values")
                    json.value(tcpSequence.values)
                }
            }
            for (name, sequence) in [("ipIDSequence", ipIDSequence), ("tcpTimestampSequence", tcpTimestampSequence)] {
                guard let sequence else { continue }
                json.key(name)
                json.object { json in
                    json.key("class")
                    json.value(sequence.class)
                    json.member("values", sequence.values)
                }
            }
            json.key("hostScripts")
            json.array { json in for script in hostScripts { script.writeJSON(to: &json) } }
            if let trace {
                json.key("trace")
                json.object { json in
                    json.member("protocol", trace.protocol)
                    json.member("port", trace.port)
                    json.key("hops")
                    json.array { json in
                        for hop in trace.hops {
                            json.object { json in
                                json.key("ttl")
                                json.value(hop.ttl)
                                json.member("address", hop.address)
                                json.member("rtt", hop.rtt)
                                json.member("host", hop.host)
                            }
                        }
                    }
                }
            }
            if let times {
                json.key("times")
                json.object { json in
                    json.member("smoothedRTT", times.smoothedRTT)
                    json.member("rttVariance", times.rttVariance)
                    json.member("timeout", times.timeout)
                }
            }
        }
    }
}

extension PortObservation {
    /// Writes the port as `JSONEncoder` would encode it.
    public func writeJSON(to json: inout JSONWriter) {
        json.object { json in
            json.key("protocol")
            json.value(self.protocol.rawValue)
            json.key("number")
            json.value(number)
            json.key("state")
            json.object { json in
                json.key("state")
                json.value(state.state.rawValue)
                json.member("reason", state.reason)
                json.member("reasonTTL", state.reasonTTL)
                json.member("reasonIP", state.reasonIP)
            }
            json.member("owner", owner)
            if let service {
                json.key("service")
                json.object { json in
                    json.key("name")
                    json.value(service.name)
                    json.member("product", service.product)
                    json.member("version", service.version)
                    json.member("extraInfo", service.extraInfo)
                    json.member("hostname", service.hostname)
                    json.member("osType", service.osType)
                    json.member("deviceType", service.deviceType)
                    json.member("tunnel", service.tunnel)
                    json.member("method", service.method?.rawValue)
                    json.member("confidence", service.confidence)
                    json.member("rpcProtocol", service.rpcProtocol)
                    json.member("rpcNumber", service.rpcNumber)
                    json.member("rpcLowVersion", service.rpcLowVersion)
                    json.member("rpcHighVersion", service.rpcHighVersion)
                    json.member("fingerprint", service.fingerprint)
                    json.member("cpes", strings: service.cpes)
                }
            }
            json.key("scripts")
            json.array { json in for script in scripts { script.writeJSON(to: &json) } }
        }
    }
}

extension ScriptResult {
    /// Writes the script result as `JSONEncoder` would encode it.
    public func writeJSON(to json: inout JSONWriter) {
        json.object { json in
            json.key("id")
            json.value(id)
            json.key("output")
            json.value(output)
            json.key("elements")
            json.array { json in for element in elements { element.writeJSON(to: &json) } }
        }
    }
}

extension ScriptElement {
    /// Writes the element as `JSONEncoder` would encode it.
    public func writeJSON(to json: inout JSONWriter) {
        json.object { json in
            switch self {
            case .value(let key, let value):
                json.member("key", key)
                json.key("value")
                json.value(value)
            case .table(let key, let elements):
                json.member("key", key)
                json.key("table")
                json.array { json in for element in elements { element.writeJSON(to: &json) } }
            }
        }
    }
}
